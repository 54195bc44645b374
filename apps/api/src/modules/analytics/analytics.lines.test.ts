import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '@evently/contracts';
import { describe, expect, it } from 'vitest';
import {
  addInto,
  type BookingLines,
  type LinesMove,
  lineDeltas,
  splitOverLines,
  type TypeDelta,
  type VoucherDelta,
  ZERO_TYPE,
  ZERO_VOUCHER,
} from './analytics.lines.js';
import { project } from './analytics.projector.js';

const eventId = randomUUID();
const bookingId = randomUUID();
const ga = randomUUID();
const vip = randomUUID();
const voucherId = randomUUID();

const ref = {
  bookingId,
  eventId,
  userId: randomUUID(),
  quantity: 3,
  unitPriceCents: 0,
  totalCents: 13_500,
  currency: 'EUR',
};
const at = new Date().toISOString();
const events = {
  created: {
    id: randomUUID(),
    topic: 'booking.created',
    version: 1,
    occurredAt: at,
    payload: { ...ref, status: 'pending', expiresAt: at, waitlistEntryId: null },
  },
  confirmed: {
    id: randomUUID(),
    topic: 'booking.confirmed',
    version: 1,
    occurredAt: at,
    payload: ref,
  },
  cancelledConfirmed: {
    id: randomUUID(),
    topic: 'booking.cancelled',
    version: 1,
    occurredAt: at,
    payload: { ...ref, previousStatus: 'confirmed', reason: null, cancelledBy: null },
  },
  cancelledPending: {
    id: randomUUID(),
    topic: 'booking.cancelled',
    version: 1,
    occurredAt: at,
    payload: { ...ref, previousStatus: 'pending', reason: null, cancelledBy: null },
  },
  expired: { id: randomUUID(), topic: 'booking.expired', version: 1, occurredAt: at, payload: ref },
  paid: {
    id: randomUUID(),
    topic: 'payment.received',
    version: 1,
    occurredAt: at,
    payload: {
      paymentId: randomUUID(),
      bookingId,
      eventId,
      userId: ref.userId,
      provider: 'manual',
      method: 'cash',
      amountCents: 13_500,
      currency: 'EUR',
      reference: 'till 4',
    },
  },
  refunded: {
    id: randomUUID(),
    topic: 'refund.requested',
    version: 1,
    occurredAt: at,
    payload: {
      refundId: randomUUID(),
      bookingId,
      eventId,
      userId: ref.userId,
      paymentId: randomUUID(),
      provider: 'manual',
      amountCents: 1_001,
      currency: 'EUR',
      reason: 'changed plans',
      cause: 'attendee_cancelled',
      feeCents: 12_499,
    },
  },
} satisfies Record<string, DomainEvent>;

/** Two seats of GA at 3,000 and one VIP at 9,000, 10 % off each line with the voucher. */
const booking: BookingLines = {
  lines: [
    { ticketTypeId: ga, quantity: 2, totalCents: 6_000 - 600, discountCents: 600 },
    { ticketTypeId: vip, quantity: 1, totalCents: 9_000 - 900, discountCents: 900 },
  ],
  voucherId,
};

const moveOf = (event: DomainEvent): LinesMove => {
  const { lines } = project(event);
  if (!lines) throw new Error(`${event.topic} moves no lines`);
  return lines;
};

/** The sum of several events' deltas for `booking`, as the read model would hold it. */
function folded(list: DomainEvent[], of: BookingLines = booking) {
  const types = new Map<string, TypeDelta>();
  const vouchers = new Map<string, VoucherDelta>();
  for (const event of list) {
    const deltas = lineDeltas(moveOf(event), of);
    for (const [id, delta] of deltas.types) {
      const into = types.get(id) ?? { ...ZERO_TYPE };
      addInto(into, delta);
      types.set(id, into);
    }
    if (deltas.voucher) {
      const into = vouchers.get(deltas.voucher.voucherId) ?? { ...ZERO_VOUCHER };
      addInto(into, deltas.voucher.delta);
      vouchers.set(deltas.voucher.voucherId, into);
    }
  }
  return { types: Object.fromEntries(types), vouchers: Object.fromEntries(vouchers) };
}

describe('figures per ticket type and voucher (pure deltas)', () => {
  it('moves lines as the booking moves: held, then sold, then out of whichever it was', () => {
    expect(moveOf(events.created)).toEqual({ held: 1, sold: 0, money: 0 });
    expect(moveOf(events.confirmed)).toEqual({ held: -1, sold: 1, money: 0 });
    expect(moveOf(events.cancelledConfirmed)).toEqual({ held: 0, sold: -1, money: 0 });
    expect(moveOf(events.cancelledPending)).toEqual({ held: -1, sold: 0, money: 0 });
    expect(moveOf(events.expired)).toEqual({ held: -1, sold: 0, money: 0 });
    // Money moves no seats: a payment adds, a refund takes back.
    expect(moveOf(events.paid)).toEqual({ held: 0, sold: 0, money: 13_500 });
    expect(moveOf(events.refunded)).toEqual({ held: 0, sold: 0, money: -1_001 });
    // Nothing else moves lines.
    const published: DomainEvent = {
      id: randomUUID(),
      topic: 'event.completed',
      version: 1,
      occurredAt: at,
      payload: { eventId, organizerId: randomUUID() },
    };
    expect(project(published).lines).toBeNull();
  });

  it('gives a hold a live update of the detail only; a booking made confirmed none of its own', () => {
    // EventStats show no holds: only a one-event stream (its held seats per type) shows it.
    expect(project(events.created).live).toBe('detail');
    // Its booking.confirmed (live) follows at once and shows it.
    const madeConfirmed = {
      ...events.created,
      payload: { ...events.created.payload, status: 'confirmed' as const, expiresAt: null },
    };
    expect(project(madeConfirmed).live).toBe(false);
    expect(project(madeConfirmed).lines).toEqual({ held: 1, sold: 0, money: 0 });
    expect(project(events.confirmed).live).toBe(true);
  });

  it('holds each line at creation, and makes the voucher row without counting a use', () => {
    const { types, voucher } = lineDeltas(moveOf(events.created), booking);
    expect(Object.fromEntries(types)).toEqual({
      [ga]: { tickets_held: 2, tickets_sold: 0, revenue_cents: 0 },
      [vip]: { tickets_held: 1, tickets_sold: 0, revenue_cents: 0 },
    });
    expect(voucher).toEqual({ voucherId, delta: { redemptions: 0, discount_cents: 0 } });
  });

  it('sells each line, and counts one use with every discount; money comes with the payment', () => {
    expect(folded([events.created, events.confirmed])).toEqual({
      types: {
        [ga]: { tickets_held: 0, tickets_sold: 2, revenue_cents: 0 },
        [vip]: { tickets_held: 0, tickets_sold: 1, revenue_cents: 0 },
      },
      vouchers: { [voucherId]: { redemptions: 1, discount_cents: 1_500 } },
    });
    // The whole total paid: each line its total after discount.
    expect(folded([events.created, events.confirmed, events.paid]).types).toEqual({
      [ga]: { tickets_held: 0, tickets_sold: 2, revenue_cents: 5_400 },
      [vip]: { tickets_held: 0, tickets_sold: 1, revenue_cents: 8_100 },
    });
  });

  it('splits a refund over the lines in proportion, the parts adding up to it', () => {
    // 1,001 × 5,400 / 13,500 = 400.4 → 400; the VIP line the rest, 601.
    expect(folded([events.paid, events.refunded]).types).toEqual({
      [ga]: { tickets_held: 0, tickets_sold: 0, revenue_cents: 5_400 - 400 },
      [vip]: { tickets_held: 0, tickets_sold: 0, revenue_cents: 8_100 - 601 },
    });
    // A full refund gives every line back exactly what its payment brought.
    const full = { ...events.refunded.payload, amountCents: 13_500 };
    const refundedInFull: DomainEvent = { ...events.refunded, payload: full };
    expect(folded([events.paid, refundedInFull]).types).toEqual({
      [ga]: ZERO_TYPE,
      [vip]: ZERO_TYPE,
    });
  });

  it('takes a cancelled confirmed booking back entirely, and an ended hold too', () => {
    const zero = {
      types: { [ga]: ZERO_TYPE, [vip]: ZERO_TYPE },
      vouchers: { [voucherId]: ZERO_VOUCHER },
    };
    expect(folded([events.created, events.confirmed, events.cancelledConfirmed])).toEqual(zero);
    expect(folded([events.created, events.cancelledPending])).toEqual(zero);
    expect(folded([events.created, events.expired])).toEqual(zero);
  });

  it('folds two lines of one type, and leaves vouchers alone without one', () => {
    const plain: BookingLines = {
      lines: [
        { ticketTypeId: ga, quantity: 1, totalCents: 3_000, discountCents: 0 },
        { ticketTypeId: ga, quantity: 2, totalCents: 6_000, discountCents: 0 },
      ],
      voucherId: null,
    };
    const paid = { ...events.paid, payload: { ...events.paid.payload, amountCents: 9_000 } };
    expect(folded([events.created, events.confirmed, paid], plain)).toEqual({
      types: { [ga]: { tickets_held: 0, tickets_sold: 3, revenue_cents: 9_000 } },
      vouchers: {},
    });
  });

  it('commutes: any order of the same events ends at the same figures', () => {
    const list = [
      events.created,
      events.confirmed,
      events.paid,
      events.cancelledConfirmed,
      events.refunded,
    ];
    const reversed = [...list].reverse();
    expect(folded(reversed)).toEqual(folded(list));
    expect(folded([events.confirmed, events.created])).toEqual(
      folded([events.created, events.confirmed]),
    );
  });

  it('splits money exactly, whatever the lines', () => {
    const line = (totalCents: number) => ({
      ticketTypeId: ga,
      quantity: 1,
      totalCents,
      discountCents: 0,
    });
    const lines = [line(1), line(1), line(1)];
    expect(splitOverLines(100, lines)).toEqual([33, 33, 34]);
    expect(splitOverLines(-100, lines)).toEqual([-33, -33, -34]);
    expect(splitOverLines(5, [line(0), line(3_000), line(0)])).toEqual([0, 5, 0]);
    // Lines that cost nothing: the first takes it.
    expect(splitOverLines(7, [line(0), line(0)])).toEqual([7, 0]);
    expect(splitOverLines(0, lines)).toEqual([0, 0, 0]);
    // Large amounts stay exact (the products pass 2^53).
    const big = [line(4_000_000_000_001), line(5_000_000_000_003)];
    const parts = splitOverLines(9_000_000_000_003, big);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(9_000_000_000_003);
    for (let amount = 1; amount < 500; amount += 7) {
      const split = splitOverLines(amount, [line(250), line(1_333), line(17), line(900)]);
      expect(split.reduce((a, b) => a + b, 0)).toBe(amount);
      expect(split.every((p) => p >= 0)).toBe(true);
    }
  });
});
