import { describe, expect, it } from 'vitest';
import {
  details,
  EVENT,
  options,
  order,
  outcomes,
  quota,
  state,
  ticketType,
  voucher,
  written,
} from './order-decision.fixtures.js';
import { decideBatch } from './order-decision.js';

// The waitlist's rule in the allocator's decision (rule 6), over a snapshot with no database:
// what the waiting entries keep from newcomers (waitlist-queue.ts decides what that is).

describe('decideBatch: what the waitlist keeps', () => {
  it('is sold out for a type while anyone waits for it on the waitlist, not for the others', () => {
    const decided = written(
      decideBatch(
        EVENT,
        state({ ticketTypes: [ticketType('A'), ticketType('B')], queue: { types: ['A'] } }),
        [order(1, { A: 1 }), order(2, { B: 1, A: 1 }), order(3, { B: 1 })],
        options(),
      ),
    );
    expect(outcomes(decided)).toEqual(['SOLD_OUT', 'SOLD_OUT', 'pending 1 1000']);
    expect(details(decided, 0)).toEqual({ ticketTypeId: 'A', available: 0 });
    expect(details(decided, 1)).toEqual({ ticketTypeId: 'A', available: 0 });
  });

  it('keeps from newcomers the quotas a waiting entry is short of, and sells the others', () => {
    const decided = written(
      decideBatch(
        EVENT,
        state({
          ticketTypes: [
            ticketType('A', { quotaIds: ['S', 'E'] }),
            ticketType('B', { quotaIds: ['S'] }),
          ],
          quotas: [quota('S', 10), quota('E', 2)],
          queue: { types: ['A'], quotas: ['E'] },
        }),
        [order(1, { B: 2 }), order(2, { A: 1 })],
        options(),
      ),
    );
    expect(outcomes(decided)).toEqual(['pending 2 2000', 'SOLD_OUT']);
  });

  it("while the queue keeps the event's free seats, a voucher's contingent is still its holders'", () => {
    const decided = written(
      decideBatch(
        EVENT,
        state({
          inventory: { capacity: 10, confirmed: 2, held: 0, version: 41 },
          vouchers: [voucher('press', { maxUses: 5, reserved: 3, seats: 1 })],
          queue: { types: ['A'], event: true },
        }),
        [
          order(1, 1),
          order(2, { A: 3 }, { voucherCode: 'press' }),
          order(3, { A: 2 }, { voucherCode: 'press' }),
        ],
        options(),
      ),
    );
    // Only the contingent, 2 seats left of 3, is sold past the line.
    expect(outcomes(decided)).toEqual(['SOLD_OUT', 'SOLD_OUT', 'pending 2 2000']);
    expect(details(decided, 1)).toEqual({ available: 2 });
  });

  it("a contingent used up passes no line; one with seats left passes a type's line for those only", () => {
    const decided = written(
      decideBatch(
        EVENT,
        state({
          vouchers: [
            voucher('gone', { maxUses: 5, reserved: 2, seats: 2 }),
            voucher('press', { maxUses: 5, reserved: 3, seats: 2 }),
          ],
          queue: { types: ['A'] },
        }),
        [
          order(1, { A: 1 }, { voucherCode: 'gone' }),
          order(2, { A: 2 }, { voucherCode: 'press' }),
          order(3, { A: 1 }, { voucherCode: 'press' }),
        ],
        options(),
      ),
    );
    expect(outcomes(decided)).toEqual(['SOLD_OUT', 'SOLD_OUT', 'pending 1 1000']);
    expect(details(decided, 0)).toEqual({ ticketTypeId: 'A', available: 0 });
    expect(details(decided, 1)).toEqual({ available: 1 });
  });
});
