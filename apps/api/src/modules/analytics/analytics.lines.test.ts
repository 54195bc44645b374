import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '@evently/contracts';
import { describe, expect, it } from 'vitest';
import {
  addInto,
  type BookingLines,
  type LinesMove,
  lineDeltas,
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
    expect(moveOf(events.created)).toEqual({ held: 1, sold: 0 });
    expect(moveOf(events.confirmed)).toEqual({ held: -1, sold: 1 });
    expect(moveOf(events.cancelledConfirmed)).toEqual({ held: 0, sold: -1 });
    expect(moveOf(events.cancelledPending)).toEqual({ held: -1, sold: 0 });
    expect(moveOf(events.expired)).toEqual({ held: -1, sold: 0 });
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
    expect(project(madeConfirmed).lines).toEqual({ held: 1, sold: 0 });
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

  it('sells each line at its total after discount, and counts one use with every discount', () => {
    expect(folded([events.created, events.confirmed])).toEqual({
      types: {
        [ga]: { tickets_held: 0, tickets_sold: 2, revenue_cents: 5_400 },
        [vip]: { tickets_held: 0, tickets_sold: 1, revenue_cents: 8_100 },
      },
      vouchers: { [voucherId]: { redemptions: 1, discount_cents: 1_500 } },
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
    expect(folded([events.created, events.confirmed], plain)).toEqual({
      types: { [ga]: { tickets_held: 0, tickets_sold: 3, revenue_cents: 9_000 } },
      vouchers: {},
    });
  });

  it('commutes: any order of the same events ends at the same figures', () => {
    const list = [events.created, events.confirmed, events.cancelledConfirmed];
    const reversed = [...list].reverse();
    expect(folded(reversed)).toEqual(folded(list));
    expect(folded([events.confirmed, events.created])).toEqual(
      folded([events.created, events.confirmed]),
    );
  });
});
