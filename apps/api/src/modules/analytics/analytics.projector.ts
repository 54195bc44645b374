import type { DomainEvent } from '@evently/contracts';
import type { CheckinMove } from './analytics.checkins.js';
import type { LinesMove } from './analytics.lines.js';

/**
 * What one domain event changes in the read models, as deltas. Deltas commute, so events may be
 * applied in any order (a consumer runs several at once, and a redelivery comes late) and the
 * figures still end where the source tables are.
 */

/** Per-event counters (columns of analytics_event_stats). */
export interface StatsDelta {
  confirmed_bookings: number;
  pending_bookings: number;
  cancelled_bookings: number;
  expired_bookings: number;
  tickets_sold: number;
  /** Payments less refunds. */
  revenue_cents: number;
  /** Refunds recorded (whatever became of them). */
  refunded_cents: number;
  /** Totals of the bookings pending now (unpaid holds and offers). */
  pending_payment_cents: number;
  waitlist_joined: number;
  waitlist_waiting: number;
  waitlist_offered: number;
  waitlist_converted: number;
}

/** One bucket's counters: columns of analytics_series, or an element of analytics_hours' arrays. */
export interface SeriesDelta {
  bookings: number;
  tickets: number;
  cancellations: number;
  revenue_cents: number;
  new_users: number;
  verified_users: number;
}

export const ZERO_STATS: StatsDelta = {
  confirmed_bookings: 0,
  pending_bookings: 0,
  cancelled_bookings: 0,
  expired_bookings: 0,
  tickets_sold: 0,
  revenue_cents: 0,
  refunded_cents: 0,
  pending_payment_cents: 0,
  waitlist_joined: 0,
  waitlist_waiting: 0,
  waitlist_offered: 0,
  waitlist_converted: 0,
};

export const ZERO_SERIES: SeriesDelta = {
  bookings: 0,
  tickets: 0,
  cancellations: 0,
  revenue_cents: 0,
  new_users: 0,
  verified_users: 0,
};

/**
 * Which timestamp of the source row dates a series change: a booking's confirmed_at or
 * cancelled_at, a payment's `at`, a refund's requested_at, a user's created_at or
 * email_verified_at.
 */
export type SeriesClock =
  | 'confirmed'
  | 'cancelled'
  | 'paid'
  | 'refunded'
  | 'registered'
  | 'verified';

export interface Projection {
  eventId: string | null;
  stats: StatsDelta | null;
  /** Series changes, each dated by one of the source row's instants. */
  series: Array<{ clock: SeriesClock; delta: SeriesDelta; perEvent: boolean }>;
  /** A waitlist entry entered the queue, or made its first move out of it. */
  waitlist: { entryId: string; move: 'joined' | 'left' } | null;
  /**
   * Whether the event's public figures may change: a live update follows. `detail`: only its
   * detail (per type, quota and check-in list) may, not its EventStats — only one-event streams
   * send it.
   */
  live: boolean | 'detail';
  /** How the booking's lines move (figures per ticket type and voucher): booking and money events. */
  lines: LinesMove | null;
  /** An entry or exit at a check-in list (figures per list). */
  checkin: CheckinMove | null;
}

const none: Projection = {
  eventId: null,
  stats: null,
  series: [],
  waitlist: null,
  live: false,
  lines: null,
  checkin: null,
};

function stats(delta: Partial<StatsDelta>): StatsDelta {
  return { ...ZERO_STATS, ...delta };
}

function series(delta: Partial<SeriesDelta>): SeriesDelta {
  return { ...ZERO_SERIES, ...delta };
}

/**
 * The change one event makes. A booking is counted pending from its creation (even one created
 * confirmed: its booking.confirmed takes it out again), so each transition is one delta. Money
 * follows payments and refunds, not booking statuses: a confirmation brings no revenue of its own
 * (a paid one has its payment.received; a manager's override brings none), and a cancellation
 * takes none back (its refund.requested does, less any fee kept).
 */
export function project(event: DomainEvent): Projection {
  switch (event.topic) {
    case 'event.created':
    case 'event.updated':
    case 'event.published':
    case 'event.cancelled':
    case 'event.completed':
    case 'event.deleted':
      // The event's own fields are read from its row (newest version wins), not from payloads.
      return {
        ...none,
        eventId: event.payload.eventId,
        stats: stats({}),
        live: event.topic !== 'event.created' && event.topic !== 'event.deleted',
      };
    case 'booking.created':
      // A hold moves only the seats held per type and quota (EventStats show no holds); a
      // booking made confirmed shows with its booking.confirmed.
      return {
        ...none,
        eventId: event.payload.eventId,
        stats: stats({ pending_bookings: 1, pending_payment_cents: event.payload.totalCents }),
        lines: { held: 1, sold: 0, money: 0 },
        live: event.payload.status === 'pending' ? 'detail' : false,
      };
    case 'booking.confirmed': {
      const { eventId, quantity, totalCents } = event.payload;
      // A payment after the hold expired sells the booking again: it leaves the expired count
      // (its hold and held money left with its booking.expired).
      // Sold again from expired by a late payment (no longer expired, never held again).
      const late = event.payload.previousStatus === 'expired';
      return {
        ...none,
        eventId,
        stats: late
          ? stats({ expired_bookings: -1, confirmed_bookings: 1, tickets_sold: quantity })
          : stats({
              pending_bookings: -1,
              pending_payment_cents: -totalCents,
              confirmed_bookings: 1,
              tickets_sold: quantity,
            }),
        series: [
          {
            clock: 'confirmed',
            delta: series({ bookings: 1, tickets: quantity }),
            perEvent: true,
          },
        ],
        live: true,
        lines: { held: late ? 0 : -1, sold: 1, money: 0 },
      };
    }
    case 'booking.cancelled': {
      const { eventId, quantity, totalCents, previousStatus } = event.payload;
      const wasConfirmed = previousStatus === 'confirmed';
      return {
        ...none,
        eventId,
        stats: wasConfirmed
          ? stats({ confirmed_bookings: -1, cancelled_bookings: 1, tickets_sold: -quantity })
          : stats({
              pending_bookings: -1,
              pending_payment_cents: -totalCents,
              cancelled_bookings: 1,
            }),
        series: [
          {
            clock: 'cancelled',
            delta: wasConfirmed
              ? series({ cancellations: 1, tickets: -quantity })
              : series({ cancellations: 1 }),
            perEvent: true,
          },
        ],
        live: true,
        lines: wasConfirmed ? { held: 0, sold: -1, money: 0 } : { held: -1, sold: 0, money: 0 },
      };
    }
    case 'booking.expired':
      return {
        ...none,
        eventId: event.payload.eventId,
        stats: stats({
          pending_bookings: -1,
          pending_payment_cents: -event.payload.totalCents,
          expired_bookings: 1,
        }),
        live: true,
        lines: { held: -1, sold: 0, money: 0 },
      };
    case 'payment.received': {
      const { eventId, amountCents } = event.payload;
      return {
        ...none,
        eventId,
        stats: stats({ revenue_cents: amountCents }),
        series: [{ clock: 'paid', delta: series({ revenue_cents: amountCents }), perEvent: true }],
        live: true,
        lines: { held: 0, sold: 0, money: amountCents },
      };
    }
    case 'refund.requested': {
      // Counted once recorded: the money is owed back, whether or not it has gone yet
      // (refund.succeeded changes no figure).
      const { eventId, amountCents } = event.payload;
      return {
        ...none,
        eventId,
        stats: stats({ revenue_cents: -amountCents, refunded_cents: amountCents }),
        series: [
          { clock: 'refunded', delta: series({ revenue_cents: -amountCents }), perEvent: true },
        ],
        live: true,
        lines: { held: 0, sold: 0, money: -amountCents },
      };
    }
    case 'waitlist.joined':
      return {
        ...none,
        eventId: event.payload.eventId,
        stats: stats({ waitlist_joined: 1, waitlist_waiting: 1 }),
        waitlist: { entryId: event.payload.entryId, move: 'joined' },
        live: true,
      };
    case 'waitlist.offered':
    case 'waitlist.converted':
    case 'waitlist.offer_expired':
    case 'waitlist.left':
    case 'waitlist.closed':
      // Leaving the queue (waiting -1) is applied once per entry, by its first such event.
      return {
        ...none,
        eventId: event.payload.eventId,
        stats: stats({
          waitlist_offered: event.topic === 'waitlist.offered' ? 1 : 0,
          waitlist_converted: event.topic === 'waitlist.converted' ? 1 : 0,
        }),
        waitlist: { entryId: event.payload.entryId, move: 'left' },
        live: true,
      };
    case 'ticket.checked_in': {
      // Only the lists' figures move (the event's row, a zero delta, is locked over them): a
      // one-event stream shows the door filling up; streams of several events skip it.
      const { eventId, listId, ticketId, direction } = event.payload;
      return {
        ...none,
        eventId,
        stats: stats({}),
        checkin: { listId, ticketId, direction },
        live: 'detail',
      };
    }
    case 'user.registered':
      return {
        ...none,
        series: [
          { clock: 'registered', delta: series({ new_users: 1 }), perEvent: false },
          // An account created verified has no user.email_verified of its own.
          ...(event.payload.emailVerified
            ? [
                {
                  clock: 'verified' as const,
                  delta: series({ verified_users: 1 }),
                  perEvent: false,
                },
              ]
            : []),
        ],
      };
    case 'user.email_verified':
      return {
        ...none,
        series: [{ clock: 'verified', delta: series({ verified_users: 1 }), perEvent: false }],
      };
    default:
      return none;
  }
}

/** The topics the projection reads. */
export const analyticsTopics = [
  'event.created',
  'event.updated',
  'event.published',
  'event.cancelled',
  'event.completed',
  'event.deleted',
  'booking.created',
  'booking.confirmed',
  'booking.cancelled',
  'booking.expired',
  'payment.received',
  'refund.requested',
  'waitlist.joined',
  'waitlist.offered',
  'waitlist.converted',
  'waitlist.offer_expired',
  'waitlist.left',
  'waitlist.closed',
  'ticket.checked_in',
  'user.registered',
  'user.email_verified',
] as const;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The UTC hour and day an instant falls in (what date_trunc(…, 'UTC') gives in SQL). */
export function bucketsOf(at: Date): { hour: Date; day: Date } {
  const ms = at.getTime();
  return {
    hour: new Date(Math.floor(ms / HOUR_MS) * HOUR_MS),
    day: new Date(Math.floor(ms / DAY_MS) * DAY_MS),
  };
}
