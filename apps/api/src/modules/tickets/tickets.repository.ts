import type { BookedSeat } from '@evently/contracts';
import type { Database } from '@evently/db';
import { type Kysely, sql, type Transaction } from 'kysely';

type Db = Kysely<Database> | Transaction<Database>;

/** A ticket as its answers need it: its row, its seat's names, and whose booking it is. */
export interface TicketRow {
  id: string;
  booking_id: string;
  event_id: string;
  ticket_type_id: string;
  seat_id: string | null;
  status: 'valid' | 'void';
  issued_at: Date;
  seat: BookedSeat | null;
  user_id: string;
  organization_id: string;
}

type ListEventStatus = 'draft' | 'published' | 'cancelled' | 'completed';

/** A booking as the tickets module decides by it: whose it is, of which organization. */
export interface TicketBooking {
  id: string;
  userId: string;
  organizationId: string;
}

/** Every SQL statement on `tickets` (reading the bookings and seats they are of). */
export const ticketsRepository = {
  /**
   * One ticket per unit of every line of these bookings that are confirmed now, a unit of a
   * seated line with its seat (in plan order); a unit already issued is left as it is, so a
   * redelivered confirmation issues nothing twice. Returns how many were issued.
   */
  async issue(trx: Transaction<Database>, bookingIds: readonly string[], at: Date) {
    if (bookingIds.length === 0) return 0;
    const { numAffectedRows } = await sql`
      INSERT INTO tickets (id, booking_id, event_id, ticket_type_id, seat_id, unit, status,
        issued_at)
      SELECT gen_random_uuid(), b.id, b.event_id, i.ticket_type_id, seat.id, u.unit, 'valid', ${at}
      FROM bookings b
      JOIN booking_items i ON i.booking_id = b.id
      CROSS JOIN LATERAL generate_series(0, i.quantity - 1) AS u(unit)
      LEFT JOIN LATERAL (
        SELECT s.id FROM seat_allocations a JOIN seats s ON s.id = a.seat_id
        WHERE a.booking_id = b.id AND a.released_at IS NULL AND s.ticket_type_id = i.ticket_type_id
        ORDER BY s.section_key, s.row_key, s.position OFFSET u.unit LIMIT 1) seat ON true
      WHERE b.id = ANY(${[...bookingIds]}::uuid[]) AND b.status = 'confirmed'
      ON CONFLICT (booking_id, ticket_type_id, unit) DO NOTHING`.execute(trx);
    return Number(numAffectedRows ?? 0);
  },

  /** These bookings' valid tickets are void from now on: how many. */
  async void(trx: Transaction<Database>, bookingIds: readonly string[], at: Date) {
    if (bookingIds.length === 0) return 0;
    const result = await trx
      .updateTable('tickets')
      .set({ status: 'void', voided_at: at })
      .where('booking_id', '=', sql<string>`any(${[...bookingIds]}::uuid[])`)
      .where('status', '=', 'valid')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  },

  /** An event as check-in decides by it: its organization and status. */
  async event(
    db: Db,
    eventId: string,
  ): Promise<{ organization_id: string; event_status: ListEventStatus } | undefined> {
    return db
      .selectFrom('events')
      .select(['organization_id', 'status as event_status'])
      .where('id', '=', eventId)
      .executeTakeFirst();
  },

  async booking(db: Db, bookingId: string): Promise<TicketBooking | undefined> {
    const row = await db
      .selectFrom('bookings as b')
      .innerJoin('events as e', 'e.id', 'b.event_id')
      .select(['b.id', 'b.user_id', 'e.organization_id'])
      .where('b.id', '=', bookingId)
      .executeTakeFirst();
    return row && { id: row.id, userId: row.user_id, organizationId: row.organization_id };
  },

  /** Tickets with their seats and whose they are: of a booking, of a user (a page), or one. */
  select(db: Db) {
    return db
      .selectFrom('tickets as t')
      .innerJoin('bookings as b', 'b.id', 't.booking_id')
      .innerJoin('events as e', 'e.id', 't.event_id')
      .leftJoin('seats as s', 's.id', 't.seat_id')
      .select([
        't.id',
        't.booking_id',
        't.event_id',
        't.ticket_type_id',
        't.seat_id',
        't.status',
        't.issued_at',
        'b.user_id',
        'e.organization_id',
        sql<BookedSeat | null>`CASE WHEN s.id IS NULL THEN NULL ELSE json_build_object(
          'seatId', s.id, 'section', s.section_name, 'row', s.row_label, 'label', s.label) END`.as(
          'seat',
        ),
      ]);
  },

  forBooking(db: Db, bookingId: string): Promise<TicketRow[]> {
    return this.select(db)
      .where('t.booking_id', '=', bookingId)
      .orderBy('t.ticket_type_id')
      .orderBy('t.unit')
      .execute();
  },

  /**
   * The valid tickets of a booking that is confirmed now (one cancelled meanwhile has none, even
   * before its consumer voids them), in its lines' order, each with its ticket type's name.
   */
  forMail(db: Db, bookingId: string): Promise<Array<TicketRow & { type_name: string }>> {
    return this.select(db)
      .innerJoin('ticket_types as tt', 'tt.id', 't.ticket_type_id')
      .select('tt.name as type_name')
      .where('t.booking_id', '=', bookingId)
      .where('b.status', '=', 'confirmed')
      .where('t.status', '=', 'valid')
      .orderBy(
        sql`(SELECT min(i.position) FROM booking_items i
          WHERE i.booking_id = t.booking_id AND i.ticket_type_id = t.ticket_type_id)`,
      )
      .orderBy('t.ticket_type_id')
      .orderBy('t.unit')
      .execute();
  },

  find(db: Db, ticketId: string): Promise<TicketRow | undefined> {
    return this.select(db).where('t.id', '=', ticketId).executeTakeFirst();
  },

  /** A page of a user's tickets in issue order, after the cursor's (issued-at, id). */
  mine(
    db: Db,
    userId: string,
    options: {
      eventId?: string | undefined;
      after?: { c: string; i: string } | undefined;
      rows: number;
    },
  ): Promise<TicketRow[]> {
    let query = this.select(db).where('b.user_id', '=', userId);
    if (options.eventId) query = query.where('t.event_id', '=', options.eventId);
    const after = options.after;
    if (after) {
      query = query.where((eb) =>
        eb(eb.refTuple('t.issued_at', 't.id'), '>', eb.tuple(new Date(after.c), after.i)),
      );
    }
    return query.orderBy('t.issued_at').orderBy('t.id').limit(options.rows).execute();
  },
};
