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
  terms,
  ticketType,
  user,
  written,
} from './order-decision.fixtures.js';
import { decideBatch } from './order-decision.js';

// Inventory v2's allocator rules over a snapshot, with no database: each case is a snapshot, a
// batch in arrival order and what every request gets, with the exact counters of the write.
// Vouchers (discounts, uses, hidden types, contingents) are order-vouchers.test.ts'.

describe('decideBatch: types, quotas and limits', () => {
  it('takes each item from every quota of its type: an order that fits Q1 but not Q2 is refused, a smaller one after it served', () => {
    // A counts against Q1 and Q2, B against Q2 only; Q2 has 4 seats left.
    const decided = written(
      decideBatch(
        EVENT,
        state({
          ticketTypes: [
            ticketType('A', { quotaIds: ['Q1', 'Q2'] }),
            ticketType('B', { priceCents: 500, quotaIds: ['Q2'] }),
          ],
          quotas: [quota('Q1', 6), quota('Q2', 5, { confirmed: 1, version: 9 })],
        }),
        [order(1, { B: 2 }), order(2, { A: 3 }), order(3, { A: 2 }), order(4, { B: 1 })],
        options(),
      ),
    );
    expect(outcomes(decided)).toEqual(['pending 2 1000', 'SOLD_OUT', 'pending 2 2000', 'SOLD_OUT']);
    // What is left of the type: the tightest of its quotas (Q1 had 6, Q2 2).
    expect(details(decided, 1)).toEqual({ ticketTypeId: 'A', available: 2 });
    expect(details(decided, 3)).toEqual({ ticketTypeId: 'B', available: 0 });
    expect(decided.seats).toEqual({ confirmed: 0, held: 4 });
    expect(decided.quotas).toEqual([
      { id: 'Q2', version: 9, confirmed: 0, held: 4 },
      { id: 'Q1', version: 5, confirmed: 0, held: 2 },
    ]);
    expect(decided).toMatchObject({ inventoryVersion: 41, eventVersion: 7 });
  });

  it('is all or nothing per order: when its second item does not fit, nothing of the first is counted', () => {
    const snapshot = state({
      ticketTypes: [ticketType('A', { quotaIds: ['QA'] }), ticketType('B', { quotaIds: ['QB'] })],
      quotas: [quota('QA', 3), quota('QB', 2)],
      inventory: { capacity: 6, confirmed: 0, held: 0, version: 41 },
    });
    const decided = written(
      decideBatch(
        EVENT,
        snapshot,
        [order(1, { A: 3, B: 3 }), order(2, { A: 3 }), order(3, { B: 2 }), order(4, { A: 1 })],
        options(),
      ),
    );
    expect(outcomes(decided)).toEqual(['SOLD_OUT', 'pending 3 3000', 'pending 2 2000', 'SOLD_OUT']);
    expect(details(decided, 0)).toEqual({ ticketTypeId: 'B', available: 2 });
    expect(decided.quotas).toEqual([
      { id: 'QA', version: 5, confirmed: 0, held: 3 },
      { id: 'QB', version: 5, confirmed: 0, held: 2 },
    ]);
    expect(decided.items.map((i) => [i.booking_id, i.ticket_type_id, i.quantity])).toEqual([
      [decided.bookings[0]?.id, 'A', 3],
      [decided.bookings[1]?.id, 'B', 2],
    ]);
  });

  it('adds up items of one order that share a quota, and checks the total against the event-wide count', () => {
    const decided = written(
      decideBatch(
        EVENT,
        state({
          ticketTypes: [ticketType('A', { quotaIds: ['Q'] }), ticketType('B', { quotaIds: ['Q'] })],
          quotas: [quota('Q', 4)],
          inventory: { capacity: 10, confirmed: 4, held: 3, version: 41 },
        }),
        [order(1, { A: 2, B: 3 }), order(2, { A: 2, B: 2 }), order(3, { A: 1, B: 1 })],
        options(),
      ),
    );
    expect(outcomes(decided)).toEqual(['SOLD_OUT', 'SOLD_OUT', 'pending 2 2000']);
    // Q is short of 5: what is left of B (as if ordered alone) is the event's 3, under Q's 4.
    expect(details(decided, 0)).toEqual({ ticketTypeId: 'B', available: 3 });
    // Each item fits the quota; the event has 3 seats left.
    expect(details(decided, 1)).toEqual({ available: 3 });
    expect(decided.seats).toEqual({ confirmed: 0, held: 2 });
    expect(decided.quotas).toEqual([{ id: 'Q', version: 5, confirmed: 0, held: 2 }]);
  });

  it('keeps each item within its type’s min and max, the order within the event’s max, and a person within maxPerUser', () => {
    const decided = written(
      decideBatch(
        EVENT,
        state({
          terms: terms({ maxPerBooking: 6, maxPerUser: 8 }),
          ticketTypes: [
            ticketType('A', { minPerBooking: 2, maxPerBooking: 4 }),
            ticketType('B', { maxPerBooking: 6 }),
          ],
          owned: new Map([[user(1).userId, 3]]),
        }),
        [
          order(2, { A: 1 }),
          order(2, { A: 5 }),
          order(2, { A: 2 }),
          order(3, { A: 4 }),
          order(4, { A: 4, B: 3 }),
          order(1, { B: 5 }),
          order(1, { B: 1 }),
        ],
        options(),
      ),
    );
    expect(outcomes(decided)).toEqual([
      'QUANTITY_LIMIT_EXCEEDED',
      'QUANTITY_LIMIT_EXCEEDED',
      'pending 2 2000',
      'pending 4 4000',
      'QUANTITY_LIMIT_EXCEEDED',
      'pending 5 5000',
      'QUANTITY_LIMIT_EXCEEDED',
    ]);
    const perType = { ticketTypeId: 'A', minPerBooking: 2, maxPerBooking: 4 };
    expect(details(decided, 0)).toEqual(perType);
    expect(details(decided, 1)).toEqual(perType);
    expect(details(decided, 4)).toEqual({ maxPerBooking: 6 });
    expect(details(decided, 6)).toEqual({ maxPerUser: 8, alreadyBooked: 8 });
    expect(decided.seats).toEqual({ confirmed: 0, held: 11 });
  });

  it('sells a type only in its own sales window, [start, end), and only while it is active', () => {
    const snapshot = state({
      ticketTypes: [
        ticketType('early', { salesStartAt: at(1) }),
        ticketType('ended', { salesEndAt: NOW }),
        ticketType('open', { salesStartAt: NOW, salesEndAt: at(1) }),
        ticketType('archived', { status: 'archived' }),
      ],
    });
    const decided = written(
      decideBatch(
        EVENT,
        snapshot,
        [
          order(1, { early: 1 }),
          order(2, { ended: 1 }),
          order(3, { archived: 1 }),
          order(4, { nope: 1 }),
          order(5, { open: 1, ended: 1 }),
          order(6, { open: 2 }),
        ],
        options(),
      ),
    );
    expect(outcomes(decided)).toEqual([
      'TICKET_TYPE_NOT_AVAILABLE',
      'TICKET_TYPE_NOT_AVAILABLE',
      'TICKET_TYPE_NOT_AVAILABLE',
      'TICKET_TYPE_NOT_AVAILABLE',
      'TICKET_TYPE_NOT_AVAILABLE',
      'pending 2 2000',
    ]);
    expect([0, 1, 2, 3, 4].map((i) => details(decided, i))).toEqual([
      { ticketTypeId: 'early' },
      { ticketTypeId: 'ended' },
      { ticketTypeId: 'archived' },
      { ticketTypeId: 'nope' },
      { ticketTypeId: 'ended' },
    ]);
    expect(decided.seats).toEqual({ confirmed: 0, held: 2 });
  });

  it('books a bare quantity (the legacy call) as the event’s one public type on sale, and asks to choose otherwise', () => {
    const others = [
      ticketType('hidden', { hidden: true }),
      ticketType('archived', { status: 'archived' }),
      ticketType('later', { salesStartAt: at(HOUR) }),
    ];
    const one = written(
      decideBatch(
        EVENT,
        state({ ticketTypes: [...others, ticketType('GA', { priceCents: 2_500 })] }),
        [order(1, 2)],
        options(),
      ),
    );
    expect(outcomes(one)).toEqual(['pending 2 5000']);
    expect(one.items).toMatchObject([{ ticket_type_id: 'GA', quantity: 2, position: 0 }]);

    const two = decideBatch(
      EVENT,
      state({ ticketTypes: [ticketType('A'), ticketType('B')] }),
      [order(1, 2)],
      options(),
    );
    const none = decideBatch(EVENT, state({ ticketTypes: others }), [order(1, 2)], options());
    expect(outcomes(two)).toEqual(['VALIDATION_FAILED']);
    expect(outcomes(none)).toEqual(['VALIDATION_FAILED']);
  });

  it('refuses an order with both items and a quantity, neither, no items, a type twice or a quantity below 1', () => {
    const both = { ...order(1, { A: 1 }), quantity: 1 };
    const neither = { ...order(1, 1), quantity: undefined };
    const empty = order(1, {});
    const twice = {
      ...order(1, 1),
      quantity: undefined,
      items: [1, 2].map(() => ({ ticketTypeId: 'A', quantity: 1 })),
    };
    const zero = order(1, { A: 0 });
    const decided = decideBatch(EVENT, state(), [both, neither, empty, twice, zero], options());
    expect(outcomes(decided)).toEqual(Array(5).fill('VALIDATION_FAILED'));
  });

  it('moves confirmed or held by booking across the batch: free ones confirm at once, paid ones are held until the sales close at the latest', () => {
    const closing = at(5 * 60_000);
    const decided = written(
      decideBatch(
        EVENT,
        state({
          terms: terms({ salesCloseAt: closing }),
          ticketTypes: [
            ticketType('free', { priceCents: 0, quotaIds: ['Q'] }),
            ticketType('paid', { priceCents: 1_250, quotaIds: ['Q'] }),
          ],
          quotas: [quota('Q', 8, { held: 1 })],
          inventory: { capacity: 9, confirmed: 2, held: 1, version: 41 },
        }),
        [
          order(1, { free: 2 }),
          order(2, { paid: 3 }),
          order(3, { free: 1, paid: 1 }),
          order(4, { free: 1 }),
        ],
        options(),
      ),
    );
    expect(outcomes(decided)).toEqual([
      'confirmed 2 0',
      'pending 3 3750',
      'SOLD_OUT',
      'confirmed 1 0',
    ]);
    expect(details(decided, 2)).toEqual({ available: 1 });
    expect(decided.bookings.map((b) => [b.confirmed_at, b.expires_at])).toEqual([
      [NOW, null],
      [null, closing],
      [NOW, null],
    ]);
    expect(decided.bookings[1]).toMatchObject({ unit_price_cents: '1250', currency: 'EUR' });
    expect(decided.seats).toEqual({ confirmed: 3, held: 3 });
    expect(decided.quotas).toEqual([{ id: 'Q', version: 5, confirmed: 3, held: 3 }]);
    expect(decided.vouchers).toEqual([]);
    expect(decided.redemptions).toEqual([]);
  });
});

describe('decideBatch: the event and idempotency, as decideBatch', () => {
  it('refuses an event not on sale: a draft as NOT_FOUND, a closed sale as not bookable, an unknown event as NOT_FOUND', () => {
    const draft = state({ terms: terms({ status: 'draft' }) });
    const closed = state({ terms: terms({ salesCloseAt: NOW }) });
    const admin = { ...order(1, { A: 1 }), principal: { ...user(1), role: 'admin' as const } };
    expect(outcomes(decideBatch(EVENT, draft, [order(1, { A: 1 })], options()))).toEqual([
      'NOT_FOUND',
    ]);
    expect(outcomes(decideBatch(EVENT, draft, [admin], options()))).toEqual(['EVENT_NOT_BOOKABLE']);
    expect(outcomes(decideBatch(EVENT, closed, [order(1, 1), order(2, 1)], options()))).toEqual([
      'EVENT_NOT_BOOKABLE',
      'EVENT_NOT_BOOKABLE',
    ]);
    expect(outcomes(decideBatch(EVENT, undefined, [order(1, 1)], options()))).toEqual([
      'NOT_FOUND',
    ]);
  });

  it('replays a key on record, refuses it with other parameters, answers a key repeated in the batch like its first use', () => {
    const u1 = user(1).userId;
    const decided = written(
      decideBatch(
        EVENT,
        state({
          keys: new Map([[`${u1}:k-old`, { requestHash: 'h', resultId: 'before', live: true }]]),
        }),
        [
          order(1, { A: 1 }, { key: 'k-old' }),
          order(1, { A: 1 }, { key: 'k-old', hash: 'other' }),
          order(1, { A: 2 }, { key: 'k-new' }),
          order(1, { A: 2 }, { key: 'k-new' }),
          order(1, { A: 1 }, { key: 'k-new', hash: 'other' }),
        ],
        options(),
      ),
    );
    expect(outcomes(decided)).toEqual([
      'replay',
      'IDEMPOTENCY_KEY_REUSED',
      'pending 2 2000',
      'pending 2 2000',
      'IDEMPOTENCY_KEY_REUSED',
    ]);
    expect(decided.decisions[0]).toEqual({ ok: 'replay', bookingId: 'before' });
    expect(decided.decisions[3]).toBe(decided.decisions[2]);
    expect(decided.bookings).toHaveLength(1);
    expect(decided.seats).toEqual({ confirmed: 0, held: 2 });
    expect(decided.keys).toEqual([
      {
        userId: u1,
        scope: 'bookings.create',
        key: 'k-new',
        requestHash: 'h',
        resultId: decided.bookings[0]?.id,
      },
    ]);
  });

  it('asks for keys past their 24 h to be forgotten before deciding anything', () => {
    const u1 = user(1).userId;
    const decided = decideBatch(
      EVENT,
      state({ keys: new Map([[`${u1}:k`, { requestHash: 'h', resultId: 'old', live: false }]]) }),
      [order(2, 1), order(1, { A: 1 }, { key: 'k' })],
      options(),
    );
    expect(decided).toEqual({ kind: 'forget-keys', keys: [{ userId: u1, key: 'k' }] });
  });

  it('decides the same way every time for the same snapshot and batch, leaving the snapshot as it was', () => {
    const snapshot = state({
      ticketTypes: [ticketType('A', { quotaIds: ['Q'] })],
      quotas: [quota('Q', 3)],
      owned: new Map([[user(1).userId, 0]]),
    });
    const batch = [order(1, { A: 2 }), order(2, { A: 2 }), order(3, { A: 1 })];
    const first = decideBatch(EVENT, snapshot, batch, options({ newId: () => 'x' }));
    const second = decideBatch(EVENT, snapshot, batch, options({ newId: () => 'x' }));
    expect(second).toEqual(first);
    expect(outcomes(first)).toEqual(['pending 2 2000', 'SOLD_OUT', 'pending 1 1000']);
    expect(snapshot.owned.get(user(1).userId)).toBe(0);
    expect(snapshot.quotas.get('Q')).toMatchObject({ confirmed: 0, held: 0 });
  });
});
