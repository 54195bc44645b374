import { z } from 'zod';
import { eventStatusSchema } from './events.js';
import { idSchema, instantSchema } from './primitives.js';

/**
 * Analytics: read models folded from the domain events. Money is minor units of each event's
 * own currency; totals across events add minor units as they are (one currency per deployment).
 */

const count = z.int();

export const eventStatsSchema = z.object({
  eventId: idSchema,
  capacity: count,
  /** Seats of bookings that are confirmed now. */
  ticketsSold: count,
  /** Bookings that are confirmed now. */
  confirmedBookings: count,
  /** Bookings cancelled after being confirmed or held. */
  cancellations: count,
  /** Holds (and waitlist offers) that lapsed. */
  expirations: count,
  /**
   * Money received (payments) minus money given back (refunds): a booking confirmed without a
   * payment (a manager's override) brings none, a free one 0.
   */
  revenueCents: z.int(),
  /** Refunds recorded, whatever their status (pending ones are owed back already). */
  refundedCents: z.int(),
  /** Totals of the pending bookings that cost money: held (or offered), not paid yet. */
  pendingPaymentCents: z.int(),
  /** ticketsSold / capacity. */
  utilization: z.number().min(0).max(1),
  waitlist: z.object({
    /** Every entry that ever joined. */
    joined: count,
    /** Entries waiting now. */
    waiting: count,
    /** Offers made. */
    offered: count,
    /** Offers that became confirmed bookings. */
    converted: count,
  }),
  updatedAt: instantSchema,
});
export type EventStats = z.infer<typeof eventStatsSchema>;

/**
 * One bucket of a series. `bookings`/`tickets` count confirmations at their confirmation time;
 * `cancellations` at their cancellation time, which also takes a cancelled confirmed booking's
 * seats off `tickets`; `revenueCents` is payments at the time they were received less refunds at
 * the time they were recorded — so a series adds up to the current totals.
 */
const seriesFields = {
  bookings: count,
  tickets: count,
  cancellations: count,
  revenueCents: z.int(),
};

export const hourPointSchema = z.object({ hour: instantSchema, ...seriesFields });
export type HourPoint = z.infer<typeof hourPointSchema>;

/** A UTC calendar day, `YYYY-MM-DD`. */
export const daySchema = z.iso.date();

export const dayPointSchema = z.object({
  day: daySchema,
  ...seriesFields,
  /** Accounts registered that day (platform-wide: an admin's series of every event; else 0). */
  newUsers: count,
});
export type DayPoint = z.infer<typeof dayPointSchema>;

/** A time window; a bucket counts when it starts in [from, to). */
const windowShape = {
  from: instantSchema.optional(),
  to: instantSchema.optional(),
};

export const analyticsEventInputSchema = z.object({
  eventId: idSchema,
  /** The hourly series' window: default the last 7 days. At most 31 days. */
  ...windowShape,
});

/**
 * One ticket type's figures, counted like the event's: a booking's lines are held while it is
 * pending, sold once it is confirmed, and given back when it is cancelled or expires.
 */
export const ticketTypeFiguresSchema = z.object({
  ticketTypeId: idSchema,
  name: z.string(),
  /** Seats of this type in bookings that are confirmed now. */
  ticketsSold: count,
  /** Seats of this type in pending bookings (holds and waitlist offers). */
  held: count,
  /**
   * Its share of the event's revenue: each payment and refund of a booking is split over the
   * booking's lines in proportion to their totals (after discounts), so the types add up to the
   * event's revenueCents.
   */
  revenueCents: z.int(),
});
export type TicketTypeFigures = z.infer<typeof ticketTypeFiguresSchema>;

/** A quota: the figures of the types in it, summed, against its size. */
export const quotaFiguresSchema = z.object({
  quotaId: idSchema,
  name: z.string(),
  size: count,
  /** Seats of its types in bookings that are confirmed now. */
  sold: count,
  /** Seats of its types in pending bookings. */
  held: count,
  /** sold / size (0 for a quota of size 0). */
  utilization: z.number().min(0).max(1),
});
export type QuotaFigures = z.infer<typeof quotaFiguresSchema>;

/** A voucher used in at least one order. */
export const voucherFiguresSchema = z.object({
  voucherId: idSchema,
  code: z.string(),
  /**
   * Bookings made with it that are confirmed now: a hold's use is not counted until it is
   * confirmed, and a cancelled or expired booking's use was given back.
   */
  redemptions: count,
  /** Discounts of those bookings' lines. */
  discountCents: z.int(),
});
export type VoucherFigures = z.infer<typeof voucherFiguresSchema>;

/**
 * A check-in list's door, as the projection counts `ticket.checked_in`: how many of its tickets
 * came in and how many are in now. Tickets valid for the list are `checkin.lists.list`'s `total`.
 */
export const checkinFiguresSchema = z.object({
  listId: idSchema,
  name: z.string(),
  /** Tickets that came in at least once (a re-entry does not count again). */
  entered: count,
  /** Tickets in now: entries less exits (`checkin.lists.list` calls it `checkedIn`). */
  inside: count,
});
export type CheckinFigures = z.infer<typeof checkinFiguresSchema>;

/** An event's figures per ticket type, per quota, per voucher and per check-in list. */
export const eventDetailShape = {
  /** Every ticket type of the event (archived ones too), in its display order. */
  ticketTypes: z.array(ticketTypeFiguresSchema),
  /** Every quota of the event. */
  quotas: z.array(quotaFiguresSchema),
  /** Every voucher used in an order so far (held, confirmed or given back), by code. */
  vouchers: z.array(voucherFiguresSchema),
  /** Every check-in list of the event, in the order they were made. */
  checkins: z.array(checkinFiguresSchema),
};
export const eventDetailSchema = z.object(eventDetailShape);
export type EventDetail = z.infer<typeof eventDetailSchema>;

export const eventAnalyticsSchema = eventStatsSchema.extend({
  ...eventDetailShape,
  /** Every hour starting in the window, oldest first; quiet hours as zeros. */
  hourly: z.array(hourPointSchema),
});
export type EventAnalytics = z.infer<typeof eventAnalyticsSchema>;

/**
 * An update of `analytics.live`. A one-event stream's updates also carry the event's detail:
 * every ticket type, quota and check-in list, and the vouchers whose figures the update changed
 * (a client keeps vouchers by id; the stream's first figures, without lastEventId, list every
 * voucher used so far, as `analytics.event` does). A scan at a door is an update of its own
 * (only the lists moved). Streams of several events carry EventStats alone (and skip scans).
 */
export const liveStatsSchema = eventStatsSchema.extend({
  ticketTypes: eventDetailShape.ticketTypes.optional(),
  quotas: eventDetailShape.quotas.optional(),
  vouchers: eventDetailShape.vouchers.optional(),
  checkins: eventDetailShape.checkins.optional(),
});
export type LiveStats = z.infer<typeof liveStatsSchema>;

/**
 * The events a total covers: one organization's (its owners, managers and viewers; admins), or
 * without it every event the caller may read figures of (all of them for an admin).
 */
const organizationShape = { organizationId: idSchema.optional() };

/** One event's, or one organization's: not both. */
const oneScope = (v: { eventId?: string | undefined; organizationId?: string | undefined }) =>
  !(v.eventId && v.organizationId);
const notBoth = { message: 'give eventId or organizationId, not both', path: ['organizationId'] };

/** from/to select the events that start in the window, and users registered in it. */
export const overviewInputSchema = z.object({ ...windowShape, ...organizationShape });
export const overviewSchema = z.object({
  events: z.object({ total: count, published: count }),
  bookings: z.object({ confirmed: count, pending: count, cancelled: count, expired: count }),
  ticketsSold: count,
  revenueCents: z.int(),
  /**
   * Platform-wide: an admin's totals of every event; 0 in an organization's. `verified`: verified
   * in the window.
   */
  users: z.object({ total: count, verified: count }),
  /** Seats sold / capacity over published and completed events. */
  utilization: z.number().min(0).max(1),
  waitlist: z.object({ waiting: count, offered: count, converted: count }),
});
export type Overview = z.infer<typeof overviewSchema>;

export const MAX_DAILY_DAYS = 366;

/** Days from `from` to `to`, both included (UTC). */
export const dailyInputSchema = z
  .object({ from: daySchema, to: daySchema, eventId: idSchema.optional(), ...organizationShape })
  .refine(oneScope, notBoth)
  .refine((v) => v.from <= v.to, { message: 'from must not be after to', path: ['to'] })
  .refine((v) => Date.parse(v.to) - Date.parse(v.from) < MAX_DAILY_DAYS * 86_400_000, {
    message: `at most ${MAX_DAILY_DAYS} days`,
    path: ['to'],
  });
export const dailySchema = z.array(dayPointSchema);

export const topEventsMetrics = ['tickets', 'revenue', 'utilization'] as const;
/** from/to select the events that start in the window. */
export const topEventsInputSchema = z.object({
  by: z.enum(topEventsMetrics),
  limit: z.int().min(1).max(100).default(10),
  ...windowShape,
  ...organizationShape,
});
export const topEventSchema = z.object({
  rank: z.int().positive(),
  eventId: idSchema,
  title: z.string(),
  status: eventStatusSchema,
  startsAt: instantSchema,
  capacity: count,
  ticketsSold: count,
  revenueCents: z.int(),
  utilization: z.number().min(0).max(1),
});
export type TopEvent = z.infer<typeof topEventSchema>;
export const topEventsSchema = z.array(topEventSchema);

/**
 * `lastEventId` is the id of the last update a client saw (tRPC's tracked events send it back on
 * reconnect): the stream resumes after it. Without it, a one-event stream starts with the
 * event's current figures.
 */
export const liveInputSchema = z
  .object({
    eventId: idSchema.optional(),
    ...organizationShape,
    lastEventId: z
      .string()
      .regex(/^\d{1,18}$/)
      .nullish(),
  })
  .refine(oneScope, notBoth);
