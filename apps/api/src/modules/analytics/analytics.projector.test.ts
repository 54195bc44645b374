import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '@evently/contracts';
import { describe, expect, it } from 'vitest';
import { project, type StatsDelta, ZERO_STATS } from './analytics.projector.js';

const eventId = randomUUID();
const bookingId = randomUUID();
const userId = randomUUID();
const at = new Date().toISOString();
const ref = {
  bookingId,
  eventId,
  userId,
  quantity: 2,
  unitPriceCents: 2_500,
  totalCents: 5_000,
  currency: 'EUR',
};
const base = { version: 1, occurredAt: at };

const created: DomainEvent = {
  ...base,
  id: randomUUID(),
  topic: 'booking.created',
  payload: { ...ref, status: 'pending', expiresAt: at, waitlistEntryId: null },
};
const confirmed: DomainEvent = {
  ...base,
  id: randomUUID(),
  topic: 'booking.confirmed',
  payload: ref,
};
const expired: DomainEvent = { ...base, id: randomUUID(), topic: 'booking.expired', payload: ref };
const cancelled = (previousStatus: 'pending' | 'confirmed'): DomainEvent => ({
  ...base,
  id: randomUUID(),
  topic: 'booking.cancelled',
  payload: { ...ref, previousStatus, reason: null, cancelledBy: null },
});
const paid = (amountCents: number): DomainEvent => ({
  ...base,
  id: randomUUID(),
  topic: 'payment.received',
  payload: {
    paymentId: randomUUID(),
    bookingId,
    eventId,
    userId,
    provider: 'manual',
    method: 'transfer',
    amountCents,
    currency: 'EUR',
    reference: 'iban',
  },
});
const refunded = (amountCents: number): DomainEvent => ({
  ...base,
  id: randomUUID(),
  topic: 'refund.requested',
  payload: {
    refundId: randomUUID(),
    bookingId,
    eventId,
    userId,
    paymentId: randomUUID(),
    provider: 'manual',
    amountCents,
    currency: 'EUR',
    reason: 'cancelled',
    cause: 'attendee_cancelled',
    feeCents: 5_000 - amountCents,
  },
});

function fold(list: DomainEvent[]): StatsDelta {
  const sum = { ...ZERO_STATS };
  for (const event of list) {
    const { stats } = project(event);
    for (const key of Object.keys(sum) as (keyof StatsDelta)[]) sum[key] += stats?.[key] ?? 0;
  }
  return sum;
}

describe('money in the per-event figures (pure deltas)', () => {
  it('counts revenue from payments, not from confirmations', () => {
    // A manager's override: confirmed, no money.
    expect(fold([created, confirmed])).toMatchObject({
      confirmed_bookings: 1,
      tickets_sold: 2,
      revenue_cents: 0,
      pending_payment_cents: 0,
    });
    expect(fold([created, confirmed, paid(5_000)])).toMatchObject({
      revenue_cents: 5_000,
      refunded_cents: 0,
    });
  });

  it('holds the money of a pending booking until it is confirmed, cancelled or expires', () => {
    expect(fold([created])).toMatchObject({ pending_bookings: 1, pending_payment_cents: 5_000 });
    for (const end of [confirmed, expired, cancelled('pending')]) {
      expect(fold([created, end]).pending_payment_cents).toBe(0);
    }
    // Cancelling a confirmed booking moves no held money.
    expect(fold([created, confirmed, cancelled('confirmed')]).pending_payment_cents).toBe(0);
  });

  it('counts a booking a late payment sold again once, confirmed and no longer expired', () => {
    // Its payload names what it was.
    const late = { previousStatus: 'expired' as const };
    const resold: DomainEvent = { ...confirmed, payload: { ...ref, ...late } };
    expect(fold([created, expired, resold, paid(5_000)])).toMatchObject({
      pending_bookings: 0,
      expired_bookings: 0,
      confirmed_bookings: 1,
      tickets_sold: 2,
      pending_payment_cents: 0,
      revenue_cents: 5_000,
    });
    expect(project(resold).lines).toEqual({ held: 0, sold: 1, money: 0 });
  });

  it('takes a refund off revenue from the moment it is recorded, and counts it refunded', () => {
    const figures = fold([
      created,
      confirmed,
      paid(5_000),
      cancelled('confirmed'),
      refunded(4_000),
    ]);
    expect(figures).toMatchObject({
      confirmed_bookings: 0,
      cancelled_bookings: 1,
      tickets_sold: 0,
      // The fee kept: 1,000.
      revenue_cents: 1_000,
      refunded_cents: 4_000,
      pending_payment_cents: 0,
    });
    // refund.succeeded is not read: it changes no figure.
    const succeeded: DomainEvent = {
      ...base,
      id: randomUUID(),
      topic: 'refund.succeeded',
      payload: {
        refundId: randomUUID(),
        bookingId,
        eventId,
        userId,
        amountCents: 4_000,
        currency: 'EUR',
        reference: 'x',
      },
    };
    expect(project(succeeded).stats).toBeNull();
  });

  it('dates money in the series by the payment and the refund, live in both cases', () => {
    const payment = project(paid(5_000));
    expect(payment.series).toEqual([
      { clock: 'paid', delta: expect.objectContaining({ revenue_cents: 5_000 }), perEvent: true },
    ]);
    expect(payment.live).toBe(true);
    const refund = project(refunded(4_000));
    expect(refund.series).toEqual([
      {
        clock: 'refunded',
        delta: expect.objectContaining({ revenue_cents: -4_000, bookings: 0 }),
        perEvent: true,
      },
    ]);
    // A confirmation's and a cancellation's buckets move seats, not money.
    expect(project(confirmed).series[0]?.delta.revenue_cents).toBe(0);
    expect(project(cancelled('confirmed')).series[0]?.delta).toMatchObject({
      tickets: -2,
      revenue_cents: 0,
    });
  });
});
