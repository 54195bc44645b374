import type { Database } from '@evently/db';
import { type Insertable, type Kysely, type Selectable, sql, type Transaction } from 'kysely';

type Db = Kysely<Database> | Transaction<Database>;
export type BookingRow = Selectable<Database['bookings']>;
export type NewBookingRow = Insertable<Database['bookings']>;
export type WaitlistRow = Selectable<Database['waitlist_entries']>;
export type AuditRow = Selectable<Database['audit_log']>;

/** A waiting entry's place in its type's line (1 = next); null when it is not waiting. */
const livePosition = sql<string | null>`CASE WHEN w.status = 'waiting' THEN (
  SELECT count(*) FROM waitlist_entries o
  WHERE o.ticket_type_id = w.ticket_type_id AND o.status = 'waiting' AND o.join_seq <= w.join_seq
) END`.as('position');

/** Every SQL statement on `bookings` and `waitlist_entries` (the counts are inventory.repository's). */
export const bookingsRepository = {
  findBooking(db: Db, id: string): Promise<BookingRow | undefined> {
    return db.selectFrom('bookings').selectAll().where('id', '=', id).executeTakeFirst();
  },

  lockBooking(trx: Transaction<Database>, id: string): Promise<BookingRow | undefined> {
    return trx
      .selectFrom('bookings')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
  },

  findBookings(db: Db, ids: readonly string[]): Promise<BookingRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return db.selectFrom('bookings').selectAll().where('id', 'in', ids).execute();
  },

  /** Inserts waitlist offers, each booking with its one line: all of it, of the entry's type. */
  async insertOffers(
    trx: Transaction<Database>,
    offers: ReadonlyArray<{ booking: NewBookingRow; ticketTypeId: string }>,
  ): Promise<BookingRow[]> {
    if (offers.length === 0) return [];
    const inserted = await trx
      .insertInto('bookings')
      .values(offers.map((o) => o.booking))
      .returningAll()
      .execute();
    await trx
      .insertInto('booking_items')
      .values(
        offers.map(({ booking, ticketTypeId }) => ({
          booking_id: booking.id,
          ticket_type_id: ticketTypeId,
          position: 0,
          quantity: booking.quantity,
          unit_price_cents: booking.unit_price_cents,
          discount_cents: 0,
          total_cents: booking.total_cents,
        })),
      )
      .execute();
    return inserted;
  },

  /** Seats each user already holds or owns for the event (maxPerUser counts these). */
  async liveQuantities(
    db: Db,
    eventId: string,
    userIds: readonly string[],
  ): Promise<Map<string, number>> {
    if (userIds.length === 0) return new Map();
    const rows = await db
      .selectFrom('bookings')
      .select(['user_id', (eb) => eb.fn.sum<string>('quantity').as('total')])
      .where('event_id', '=', eventId)
      .where('user_id', 'in', userIds)
      .where('status', 'in', ['pending', 'confirmed'])
      .groupBy('user_id')
      .execute();
    return new Map(rows.map((r) => [r.user_id, Number(r.total)]));
  },

  updateBookingStatus(
    trx: Transaction<Database>,
    id: string,
    from: BookingRow['status'],
    patch: Partial<
      Pick<BookingRow, 'status' | 'confirmed_at' | 'cancelled_at' | 'cancel_reason' | 'expires_at'>
    >,
    now: Date,
  ): Promise<BookingRow | undefined> {
    return trx
      .updateTable('bookings')
      .set({ ...patch, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', from)
      .returningAll()
      .executeTakeFirst();
  },

  /** Holds whose time is up (the sweeper's work list). */
  dueHolds(db: Db, now: Date, limit: number): Promise<{ id: string }[]> {
    return db
      .selectFrom('bookings')
      .select('id')
      .where('status', '=', 'pending')
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(limit)
      .execute();
  },

  liveBookingsOfEvent(trx: Transaction<Database>, eventId: string): Promise<BookingRow[]> {
    return trx
      .selectFrom('bookings')
      .selectAll()
      .where('event_id', '=', eventId)
      .where('status', 'in', ['pending', 'confirmed'])
      .forUpdate()
      .execute();
  },

  listBookings(
    db: Db,
    filter: {
      userId?: string | undefined;
      eventId?: string | undefined;
      status?: BookingRow['status'] | undefined;
      after?: { createdAt: string; id: string } | undefined;
      limit: number;
    },
  ): Promise<BookingRow[]> {
    let q = db.selectFrom('bookings').selectAll();
    if (filter.userId) q = q.where('user_id', '=', filter.userId);
    if (filter.eventId) q = q.where('event_id', '=', filter.eventId);
    if (filter.status) q = q.where('status', '=', filter.status);
    const after = filter.after;
    if (after) {
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '<', new Date(after.createdAt)),
          eb.and([eb('created_at', '=', new Date(after.createdAt)), eb('id', '<', after.id)]),
        ]),
      );
    }
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  },

  // --- waitlist ---

  waitingCount(db: Db, eventId: string): Promise<number> {
    return db
      .selectFrom('waitlist_entries')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('event_id', '=', eventId)
      .where('status', '=', 'waiting')
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  },

  insertEntry(
    trx: Transaction<Database>,
    row: Insertable<Database['waitlist_entries']>,
  ): Promise<WaitlistRow> {
    return trx.insertInto('waitlist_entries').values(row).returningAll().executeTakeFirstOrThrow();
  },

  findEntry(db: Db, id: string): Promise<WaitlistRow | undefined> {
    return db.selectFrom('waitlist_entries').selectAll().where('id', '=', id).executeTakeFirst();
  },

  lockEntry(trx: Transaction<Database>, id: string): Promise<WaitlistRow | undefined> {
    return trx
      .selectFrom('waitlist_entries')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
  },

  updateEntry(
    trx: Transaction<Database>,
    id: string,
    patch: Partial<Pick<WaitlistRow, 'status' | 'offer_booking_id' | 'offer_expires_at'>>,
    now: Date,
  ): Promise<WaitlistRow | undefined> {
    return trx
      .updateTable('waitlist_entries')
      .set({ ...patch, updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  liveEntriesOfEvent(trx: Transaction<Database>, eventId: string): Promise<WaitlistRow[]> {
    return trx
      .selectFrom('waitlist_entries')
      .selectAll()
      .where('event_id', '=', eventId)
      .where('status', 'in', ['waiting', 'offered'])
      .forUpdate()
      .execute();
  },

  waitingEntriesOfEvent(trx: Transaction<Database>, eventId: string): Promise<WaitlistRow[]> {
    return trx
      .selectFrom('waitlist_entries')
      .selectAll()
      .where('event_id', '=', eventId)
      .where('status', '=', 'waiting')
      .orderBy('join_seq')
      .forUpdate()
      .execute();
  },

  /** Events someone waits for (the queue-closing job's work list). */
  async eventsWithWaitingEntries(db: Db, limit: number): Promise<string[]> {
    const rows = await db
      .selectFrom('waitlist_entries')
      .select('event_id')
      .distinct()
      .where('status', '=', 'waiting')
      .limit(limit)
      .execute();
    return rows.map((r) => r.event_id);
  },

  /** One entry with its live position. */
  findEntryWithPosition(db: Db, id: string) {
    return db
      .selectFrom('waitlist_entries as w')
      .selectAll('w')
      .select(livePosition)
      .where('w.id', '=', id)
      .executeTakeFirst();
  },

  /** A user's entries with their live position (1 = next) among waiting entries. */
  entriesOfUser(db: Db, userId: string) {
    return db
      .selectFrom('waitlist_entries as w')
      .selectAll('w')
      .select(livePosition)
      .where('w.user_id', '=', userId)
      .orderBy('w.created_at', 'desc')
      .limit(200)
      .execute();
  },

  /** An event's entries in join order, with the live position (1 = next) of waiting ones. */
  entriesOfEvent(db: Db, eventId: string, afterSeq: string | undefined, limit: number) {
    // The position counts the whole queue, not the page: page 2 goes on where page 1 stopped.
    let q = db
      .selectFrom('waitlist_entries as w')
      .selectAll('w')
      .select(livePosition)
      .where('w.event_id', '=', eventId);
    if (afterSeq) q = q.where('w.join_seq', '>', afterSeq);
    return q.orderBy('w.join_seq').limit(limit).execute();
  },

  /** A user's live entry in one type's line (one at a time per line). */
  userHasLiveEntry(db: Db, ticketTypeId: string, userId: string) {
    return db
      .selectFrom('waitlist_entries')
      .select('id')
      .where('ticket_type_id', '=', ticketTypeId)
      .where('user_id', '=', userId)
      .where('status', 'in', ['waiting', 'offered'])
      .executeTakeFirst();
  },

  /** Audit entries of some bookings, or of an event and all its bookings; newest first. */
  auditEntries(
    db: Db,
    filter: {
      bookingIds: string[];
      eventId?: string | undefined;
      beforeSeq?: string | undefined;
      limit: number;
    },
  ) {
    let q = db.selectFrom('audit_log').selectAll();
    const eventId = filter.eventId;
    if (eventId) {
      q = q.where((eb) =>
        eb.or([
          eb.and([eb('entity', '=', 'event'), eb('entity_id', '=', eventId)]),
          eb.and([
            eb('entity', '=', 'booking'),
            eb(
              'entity_id',
              'in',
              eb
                .selectFrom('bookings')
                .select(eb.cast<string>('id', 'text').as('id'))
                .where('event_id', '=', eventId),
            ),
          ]),
        ]),
      );
    } else {
      q = q.where('entity', '=', 'booking').where('entity_id', 'in', filter.bookingIds);
    }
    if (filter.beforeSeq) q = q.where(sql<boolean>`seq < ${filter.beforeSeq}::bigint`);
    return q.orderBy('seq', 'desc').limit(filter.limit).execute();
  },
};
