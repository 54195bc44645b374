import { describe, expect, it } from 'vitest';
import {
  at,
  details,
  EVENT,
  HOUR,
  NOW,
  options,
  order,
  outcomes,
  quota,
  state,
  ticketType,
  voucher,
  written,
} from './order-decision.fixtures.js';
import { decideBatch, type VoucherEffect } from './order-decision.js';

// The order decision's vouchers: uses across a batch, validity, hidden types, each discount and
// reserved contingents. Each case is a snapshot, a batch and what every request gets.

describe('decideBatch: vouchers', () => {
  it('gives a voucher’s last use to the first of five orders in a batch, and exhausts it for the others', () => {
    const decided = written(
      decideBatch(
        EVENT,
        state({
          vouchers: [
            voucher('last', { maxUses: 3, used: 2, effect: { kind: 'percent', percent: 10 } }),
          ],
        }),
        [
          ...[1, 2, 3, 4, 5].map((n) =>
            order(n, { A: n }, { voucherCode: n === 1 ? 'LAST' : 'last' }),
          ),
          order(6, { A: 1 }),
        ],
        options(),
      ),
    );
    expect(outcomes(decided)).toEqual([
      'pending 1 900',
      'VOUCHER_EXHAUSTED',
      'VOUCHER_EXHAUSTED',
      'VOUCHER_EXHAUSTED',
      'VOUCHER_EXHAUSTED',
      'pending 1 1000',
    ]);
    expect(decided.vouchers).toEqual([{ id: 'voucher-last', version: 3, uses: 1, seats: 1 }]);
    expect(decided.redemptions).toEqual([
      { booking_id: decided.bookings[0]?.id, voucher_id: 'voucher-last', seats: 1 },
    ]);
    expect(decided.seats).toEqual({ confirmed: 0, held: 2 });
  });

  it('counts no use for an order refused for another reason: the next one gets it', () => {
    const decided = written(
      decideBatch(
        EVENT,
        state({ vouchers: [voucher('last', { maxUses: 1 })] }),
        [
          order(1, { A: 11 }, { voucherCode: 'last' }),
          order(2, { A: 2 }, { voucherCode: 'last' }),
          order(3, { A: 1 }, { voucherCode: 'last' }),
        ],
        options(),
      ),
    );
    expect(outcomes(decided)).toEqual([
      'QUANTITY_LIMIT_EXCEEDED',
      'pending 2 2000',
      'VOUCHER_EXHAUSTED',
    ]);
    expect(decided.vouchers).toEqual([{ id: 'voucher-last', version: 3, uses: 1, seats: 2 }]);
  });

  it('refuses a voucher unknown, disabled, before its start, at its end, or for none of the order’s types', () => {
    const decided = written(
      decideBatch(
        EVENT,
        state({
          ticketTypes: [ticketType('A'), ticketType('B')],
          vouchers: [
            voucher('gone', { disabled: true }),
            voucher('soon', { validFrom: at(1) }),
            voucher('over', { validUntil: NOW }),
            voucher('bonly', { ticketTypeIds: ['B'] }),
            voucher('now', { validFrom: NOW, validUntil: at(1), ticketTypeIds: ['B'] }),
          ],
        }),
        ['nope', 'gone', 'soon', 'over', 'bonly', 'now'].map((code, n) =>
          order(n, code === 'now' ? { A: 1, B: 1 } : { A: 1 }, { voucherCode: code }),
        ),
        options(),
      ),
    );
    expect(outcomes(decided)).toEqual([...Array(5).fill('VOUCHER_INVALID'), 'pending 2 2000']);
    expect(decided.vouchers).toEqual([{ id: 'voucher-now', version: 3, uses: 1, seats: 2 }]);
  });

  it('sells a hidden type only with a voucher that unlocks it and applies to it', () => {
    const decided = written(
      decideBatch(
        EVENT,
        state({
          ticketTypes: [ticketType('A'), ticketType('H', { hidden: true, priceCents: 4_000 })],
          vouchers: [
            voucher('plain'),
            voucher('other', { unlocksHidden: true, ticketTypeIds: ['A'] }),
            voucher('key', { unlocksHidden: true, ticketTypeIds: ['H'] }),
            voucher('all', { unlocksHidden: true }),
            voucher('stale', { unlocksHidden: true, validUntil: NOW }),
          ],
        }),
        [
          order(1, { H: 1 }),
          order(2, { H: 1 }, { voucherCode: 'plain' }),
          order(3, { H: 1 }, { voucherCode: 'other' }),
          order(4, { H: 1 }, { voucherCode: 'nope' }),
          order(5, { H: 1 }, { voucherCode: 'stale' }),
          order(6, { A: 1, H: 2 }, { voucherCode: 'key' }),
          order(7, { H: 1 }, { voucherCode: 'all' }),
        ],
        options(),
      ),
    );
    expect(outcomes(decided)).toEqual([
      'TICKET_TYPE_NOT_AVAILABLE',
      'TICKET_TYPE_NOT_AVAILABLE',
      'TICKET_TYPE_NOT_AVAILABLE',
      'TICKET_TYPE_NOT_AVAILABLE',
      // Its holder is told the code is no longer valid (they know the type exists).
      'VOUCHER_INVALID',
      'pending 3 9000',
      'pending 1 4000',
    ]);
    expect(details(decided, 2)).toEqual({ ticketTypeId: 'H' });
    expect(decided.vouchers.map((v) => [v.id, v.uses, v.seats])).toEqual([
      ['voucher-key', 1, 3],
      ['voucher-all', 1, 1],
    ]);
  });

  it('discounts by each effect, rounding a percentage down, and only items of the types it applies to', () => {
    const effects: Record<string, VoucherEffect> = {
      p15: { kind: 'percent', percent: 15 },
      p33: { kind: 'percent', percent: 33 },
      a500: { kind: 'amount', amountCents: 500 },
      a2500: { kind: 'amount', amountCents: 2_500 },
      x1500: { kind: 'price', priceCents: 1_500 },
      x2500: { kind: 'price', priceCents: 2_500 },
      none: { kind: 'none' },
    };
    const decided = written(
      decideBatch(
        EVENT,
        state({
          ticketTypes: [ticketType('A', { priceCents: 1_999 }), ticketType('B')],
          vouchers: [
            ...Object.entries(effects).map(([code, effect]) => voucher(code, { effect })),
            voucher('half', { effect: { kind: 'percent', percent: 50 }, ticketTypeIds: ['A'] }),
          ],
        }),
        [
          order(1, { A: 3 }, { voucherCode: 'p15' }), // 5997 - floor(899.55)
          order(2, { A: 1 }, { voucherCode: 'p33' }), // 1999 - floor(659.67)
          order(3, { A: 2 }, { voucherCode: 'a500' }), // 3998 - 2 × 500
          order(4, { A: 1 }, { voucherCode: 'a2500' }), // never more than the seat's price
          order(5, { A: 2 }, { voucherCode: 'x1500' }), // 2 × 1500
          order(6, { A: 1 }, { voucherCode: 'x2500' }), // a price above the type's: no discount
          order(7, { A: 1 }, { voucherCode: 'none' }),
          order(8, { B: 2, A: 1 }, { voucherCode: 'half' }), // B at full price
        ],
        options(),
      ),
    );
    expect(outcomes(decided)).toEqual([
      'pending 3 5098',
      'pending 1 1340',
      'pending 2 2998',
      'confirmed 1 0',
      'pending 2 3000',
      'pending 1 1999',
      'pending 1 1999',
      'pending 3 3000',
    ]);
    const last = decided.bookings[7];
    // The legacy unit price is the first item's.
    expect(last).toMatchObject({ unit_price_cents: '1000', total_cents: '3000' });
    expect(decided.items.filter((i) => i.booking_id === last?.id)).toEqual([
      {
        id: expect.any(String),
        booking_id: last?.id,
        ticket_type_id: 'B',
        position: 0,
        quantity: 2,
        unit_price_cents: 1_000,
        discount_cents: 0,
        total_cents: 2_000,
      },
      {
        id: expect.any(String),
        booking_id: last?.id,
        ticket_type_id: 'A',
        position: 1,
        quantity: 1,
        unit_price_cents: 1_999,
        discount_cents: 999,
        total_cents: 1_000,
      },
    ]);
    expect(decided.items.map((i) => i.discount_cents)).toEqual([
      899, 659, 1_000, 1_999, 998, 0, 0, 0, 999,
    ]);
    expect(decided.seats).toEqual({ confirmed: 1, held: 13 });
  });

  it('confirms at once a booking a 100 % voucher makes free, its quota and the voucher counted', () => {
    const decided = written(
      decideBatch(
        EVENT,
        state({
          ticketTypes: [ticketType('A', { quotaIds: ['Q'] })],
          quotas: [quota('Q', 5, { held: 1 })],
          vouchers: [voucher('free', { effect: { kind: 'percent', percent: 100 }, seats: 4 })],
        }),
        [order(1, { A: 2 }, { voucherCode: 'free' }), order(2, { A: 1 })],
        options(),
      ),
    );
    expect(outcomes(decided)).toEqual(['confirmed 2 0', 'pending 1 1000']);
    expect(decided.bookings[0]).toMatchObject({ confirmed_at: NOW, expires_at: null });
    expect(decided.bookings[1]).toMatchObject({ confirmed_at: null, expires_at: at(15 * 60_000) });
    expect(decided.items[0]).toMatchObject({ discount_cents: 2_000, total_cents: 0 });
    expect(decided.seats).toEqual({ confirmed: 2, held: 1 });
    expect(decided.quotas).toEqual([{ id: 'Q', version: 5, confirmed: 2, held: 1 }]);
    expect(decided.vouchers).toEqual([{ id: 'voucher-free', version: 3, uses: 1, seats: 2 }]);
    expect(decided.redemptions).toEqual([
      { booking_id: decided.bookings[0]?.id, voucher_id: 'voucher-free', seats: 2 },
    ]);
  });
});

describe('decideBatch: reserved contingents', () => {
  it('holds a live voucher’s untaken contingent back from the public; its holders have it on top of the public’s seats', () => {
    // 12 free: vip holds back 4 − 1 taken = 3, later (not valid yet, but live) 1; a disabled and
    // an ended voucher hold nothing back. The public sees 8.
    const decided = written(
      decideBatch(
        EVENT,
        state({
          inventory: { capacity: 12, confirmed: 0, held: 0, version: 41 },
          vouchers: [
            voucher('vip', { reserved: 4, seats: 1 }),
            voucher('later', { reserved: 1, validFrom: at(HOUR) }),
            voucher('gone', { reserved: 5, disabled: true }),
            voucher('over', { reserved: 5, validUntil: NOW }),
          ],
        }),
        [
          order(1, { A: 9 }),
          order(2, { A: 6 }),
          order(3, { A: 6 }, { voucherCode: 'VIP' }),
          order(4, { A: 4 }, { voucherCode: 'vip' }),
          order(5, { A: 1 }),
          order(6, { A: 1 }),
        ],
        options(),
      ),
    );
    expect(outcomes(decided)).toEqual([
      'SOLD_OUT',
      'pending 6 6000',
      'SOLD_OUT',
      'pending 4 4000',
      'pending 1 1000',
      'SOLD_OUT',
    ]);
    expect(details(decided, 0)).toEqual({ available: 8 });
    // 6 left: vip's 3 and the public's 2 (later keeps its 1).
    expect(details(decided, 2)).toEqual({ available: 5 });
    // vip's 4 took its 3 and one of the public's: 1 public seat left, then none.
    expect(details(decided, 5)).toEqual({ available: 0 });
    expect(decided.seats).toEqual({ confirmed: 0, held: 11 });
    expect(decided.vouchers).toEqual([{ id: 'voucher-vip', version: 3, uses: 1, seats: 4 }]);
  });
});
