import type { EventStats } from '@evently/contracts';
import type { AnalyticsEventStatsTable } from '@evently/db';
import type { Selectable } from 'kysely';

export type StatsRow = Selectable<AnalyticsEventStatsTable>;

/** Seats sold / capacity, kept in [0, 1] (a figure may be briefly off while events arrive). */
export function utilization(ticketsSold: number, capacity: number): number {
  if (capacity <= 0) return 0;
  return Math.min(1, Math.max(0, ticketsSold / capacity));
}

export function toEventStats(row: StatsRow): EventStats {
  return {
    eventId: row.event_id,
    capacity: row.capacity,
    ticketsSold: row.tickets_sold,
    confirmedBookings: row.confirmed_bookings,
    cancellations: row.cancelled_bookings,
    expirations: row.expired_bookings,
    revenueCents: Number(row.revenue_cents),
    refundedCents: Number(row.refunded_cents),
    pendingPaymentCents: Number(row.pending_payment_cents),
    utilization: utilization(row.tickets_sold, row.capacity),
    waitlist: {
      joined: row.waitlist_joined,
      waiting: row.waitlist_waiting,
      offered: row.waitlist_offered,
      converted: row.waitlist_converted,
    },
    updatedAt: row.updated_at.toISOString(),
  };
}
