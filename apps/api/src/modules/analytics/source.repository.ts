import type { Database } from '@evently/db';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { BookingLine, BookingLines } from './analytics.lines.js';

type Db = Kysely<Database> | Transaction<Database>;

/** An id no row has: `IN` needs a list, and one side of a union may have none to look for. */
const NO_ID = '00000000-0000-0000-0000-000000000000';

/**
 * Read-only lookups in other modules' tables for the projection: an event's own fields (the
 * newest version wins) and the exact instants a booking or a user changed, so an update lands in
 * the same bucket a rebuild from the tables puts it in. Analytics never writes these tables.
 */
export interface EventMeta {
  eventId: string;
  /** The organization owning the event (its read models are scoped by it). */
  organizationId: string;
  title: string;
  status: 'draft' | 'published' | 'cancelled' | 'completed';
  capacity: number;
  startsAt: Date;
  version: number;
}

export interface BookingClock {
  confirmedAt: Date | null;
  cancelledAt: Date | null;
}

export interface UserClock {
  registeredAt: Date;
  verifiedAt: Date | null;
}

const eventColumns = [
  'events.id',
  'events.organization_id',
  'events.title',
  'events.status',
  'events.capacity',
  'events.starts_at',
  'events.version',
] as const;

function toMeta(row: {
  id: string;
  organization_id: string;
  title: string;
  status: EventMeta['status'];
  capacity: number;
  starts_at: Date;
  version: number;
}): EventMeta {
  return {
    eventId: row.id,
    organizationId: row.organization_id,
    title: row.title,
    status: row.status,
    capacity: row.capacity,
    startsAt: row.starts_at,
    version: row.version,
  };
}

export const sourceRepository = {
  async eventMeta(db: Db, eventId: string): Promise<EventMeta | undefined> {
    const row = await db
      .selectFrom('events')
      .select(eventColumns)
      .where('events.id', '=', eventId)
      .executeTakeFirst();
    return row && toMeta(row);
  },

  /** The booking's event and its confirmation/cancellation instants, in one round trip. */
  async bookingWithEvent(
    db: Db,
    bookingId: string,
  ): Promise<{ meta: EventMeta; clock: BookingClock } | undefined> {
    const row = await db
      .selectFrom('bookings')
      .innerJoin('events', 'events.id', 'bookings.event_id')
      .select([...eventColumns, 'bookings.confirmed_at', 'bookings.cancelled_at'])
      .where('bookings.id', '=', bookingId)
      .executeTakeFirst();
    return (
      row && {
        meta: toMeta(row),
        clock: { confirmedAt: row.confirmed_at, cancelledAt: row.cancelled_at },
      }
    );
  },

  /** Whether an organization of that id exists (an admin's totals of an unknown one: NOT_FOUND). */
  async organizationExists(db: Db, organizationId: string): Promise<boolean> {
    const row = await db
      .selectFrom('organizations')
      .select('id')
      .where('id', '=', organizationId)
      .executeTakeFirst();
    return row !== undefined;
  },

  async userClock(db: Db, userId: string): Promise<UserClock | undefined> {
    const row = await db
      .selectFrom('users')
      .select(['created_at', 'email_verified_at'])
      .where('id', '=', userId)
      .executeTakeFirst();
    return row && { registeredAt: row.created_at, verifiedAt: row.email_verified_at };
  },

  /** Many events' fields at once, by id (a batch of deliveries reads them in one round trip). */
  async eventMetas(db: Db, eventIds: readonly string[]): Promise<Map<string, EventMeta>> {
    if (eventIds.length === 0) return new Map();
    const rows = await db
      .selectFrom('events')
      .select(eventColumns)
      .where('events.id', 'in', [...eventIds])
      .execute();
    return new Map(rows.map((r) => [r.id, toMeta(r)]));
  },

  /** Many bookings' events and instants at once, by booking id. */
  async bookingsWithEvent(
    db: Db,
    bookingIds: readonly string[],
  ): Promise<Map<string, { meta: EventMeta; clock: BookingClock }>> {
    if (bookingIds.length === 0) return new Map();
    const rows = await db
      .selectFrom('bookings')
      .innerJoin('events', 'events.id', 'bookings.event_id')
      .select([
        ...eventColumns,
        'bookings.id as booking_id',
        'bookings.confirmed_at',
        'bookings.cancelled_at',
      ])
      .where('bookings.id', 'in', [...bookingIds])
      .execute();
    return new Map(
      rows.map((r) => [
        r.booking_id,
        { meta: toMeta(r), clock: { confirmedAt: r.confirmed_at, cancelledAt: r.cancelled_at } },
      ]),
    );
  },

  /** Many bookings' lines and voucher at once, by booking id (lines in their order). */
  async bookingLines(db: Db, bookingIds: readonly string[]): Promise<Map<string, BookingLines>> {
    if (bookingIds.length === 0) return new Map();
    const rows = await db
      .selectFrom('booking_items as i')
      .leftJoin('voucher_redemptions as r', 'r.booking_id', 'i.booking_id')
      .select([
        'i.booking_id',
        'i.ticket_type_id',
        'i.quantity',
        'i.total_cents',
        'i.discount_cents',
        'r.voucher_id',
      ])
      .where('i.booking_id', 'in', [...bookingIds])
      .orderBy('i.booking_id')
      .orderBy('i.position')
      // Positions may tie (older lines are all 0): the id keeps the order (and so the split of
      // money over lines) the same as the rebuild's.
      .orderBy('i.id')
      .execute();
    const byBooking = new Map<string, { lines: BookingLine[]; voucherId: string | null }>();
    for (const row of rows) {
      const into = byBooking.get(row.booking_id) ?? { lines: [], voucherId: row.voucher_id };
      into.lines.push({
        ticketTypeId: row.ticket_type_id,
        quantity: row.quantity,
        totalCents: Number(row.total_cents),
        discountCents: Number(row.discount_cents),
      });
      byBooking.set(row.booking_id, into);
    }
    return byBooking;
  },

  /**
   * When payments were received and refunds recorded, by id, in one round trip: money counts in
   * the bucket of those instants (the rebuild reads the same columns).
   */
  async moneyClocks(
    db: Db,
    paymentIds: readonly string[],
    refundIds: readonly string[],
  ): Promise<{ payments: Map<string, Date>; refunds: Map<string, Date> }> {
    const payments = new Map<string, Date>();
    const refunds = new Map<string, Date>();
    if (paymentIds.length === 0 && refundIds.length === 0) return { payments, refunds };
    const rows = await db
      .selectFrom('payments')
      .select([sql<string>`'payment'`.as('kind'), 'id', 'at'])
      .where('id', 'in', paymentIds.length > 0 ? [...paymentIds] : [NO_ID])
      .unionAll(
        db
          .selectFrom('refunds')
          .select([sql<string>`'refund'`.as('kind'), 'id', 'requested_at as at'])
          .where('id', 'in', refundIds.length > 0 ? [...refundIds] : [NO_ID]),
      )
      .execute();
    for (const row of rows) (row.kind === 'payment' ? payments : refunds).set(row.id, row.at);
    return { payments, refunds };
  },

  /** Many users' instants at once, by user id. */
  async userClocks(db: Db, userIds: readonly string[]): Promise<Map<string, UserClock>> {
    if (userIds.length === 0) return new Map();
    const rows = await db
      .selectFrom('users')
      .select(['id', 'created_at', 'email_verified_at'])
      .where('id', 'in', [...userIds])
      .execute();
    return new Map(
      rows.map((r) => [r.id, { registeredAt: r.created_at, verifiedAt: r.email_verified_at }]),
    );
  },
};
