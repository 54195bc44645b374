import type { BookedSeat } from '@evently/contracts';
import type { Database } from '@evently/db';
import { type Expression, type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { SeatInput } from '../seating/seat-index.js';
import { freeSeatsColumn } from './free-seats.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The versions an allocator's cached seats of an event are at. */
export interface KnownSeats {
  /** The plan's `seats_version` (moves with the plan and with blocks). */
  seats: number;
  /** The event's inventory version the cached free seats are exact for. */
  inventory: number;
}

/** An event's plan as the batch read sees it. */
export interface SeatingRead {
  seatsVersion: number;
  /**
   * The seats whose allocations changed since the known inventory version, with whether each is
   * free now; null when nothing is cached at this seats version, or nothing changed.
   */
  changes: Array<{ id: string; free: boolean }> | null;
}

/** A seat as the allocator loads it: where it is, whether it is free, and how it is named. */
export interface LoadedSeat extends SeatInput {
  label: BookedSeat;
}

/** Every seat of a plan, with the versions the read is exact for. */
export interface LoadedSeats {
  seatsVersion: number;
  inventoryVersion: number;
  focus: { x: number; y: number };
  seats: LoadedSeat[];
}

interface LoadedRow {
  seats_version: number;
  inventory_version: number | null;
  focus_x: number;
  focus_y: number;
  id: string | null;
  section_key: string;
  row_key: string;
  position: number;
  x: number;
  y: number;
  ticket_type_id: string;
  accessible: boolean;
  free: boolean;
  label: string;
  row_label: string;
  section_name: string;
}

/**
 * The bookings module's SQL on `seat_allocations` (which booking holds which seat). Every
 * allocation records the event's inventory version of its last change (made, confirmed,
 * released), and every change of an event's seats moves that version under the inventory row's
 * lock: those versions order the changes, so an allocator that knows the seats as of version V
 * reads only what changed since, and `seating.live` resumes from one.
 */
export const seatAllocationsRepository = {
  /**
   * The plan's seats version, and the seats changed since `known` (by event id) — one JSON column
   * of the allocator's batch read (`eventId` may be a column of it); null without a plan. Changes
   * are read from version `known.inventory` on, inclusive: a change is recorded at the version its
   * transaction moved the row to, and reading one twice is harmless.
   */
  seatingColumn(
    eventId: Expression<string>,
    known: Readonly<Record<string, KnownSeats>>,
  ): RawBuilder<SeatingRead | null> {
    return sql<SeatingRead | null>`(SELECT json_build_object('seatsVersion', p.seats_version,
      'changes', CASE WHEN p.seats_version = (k.doc ->> 'seats')::int
          AND (SELECT i.version FROM event_inventory i WHERE i.event_id = p.event_id)
            > (k.doc ->> 'inventory')::int
        THEN (SELECT coalesce(json_agg(json_build_object('id', c.seat_id, 'free', c.free)),
            '[]'::json)
          FROM (SELECT DISTINCT a.seat_id, s.blocked_at IS NULL AND s.removed_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM seat_allocations l
                WHERE l.seat_id = a.seat_id AND l.released_at IS NULL) AS free
            FROM seat_allocations a JOIN seats s ON s.id = a.seat_id
            WHERE a.event_id = p.event_id
              AND a.version >= (k.doc ->> 'inventory')::int) c)
        END)
      FROM seating_plans p
        CROSS JOIN LATERAL (SELECT ${JSON.stringify(known)}::jsonb -> p.event_id::text AS doc) k
      WHERE p.event_id = ${eventId} AND p.version > 0)`;
  },

  /**
   * Every seat of the event's plan (removed ones aside) in one statement, so the seats, their
   * states and the versions are of one snapshot; undefined without a plan. In the order a
   * booking lists its seats (section, row, seat).
   */
  async load(db: Db, eventId: string): Promise<LoadedSeats | undefined> {
    const { rows } = await sql<LoadedRow>`
      SELECT p.seats_version, p.focus_x, p.focus_y,
        (SELECT i.version FROM event_inventory i WHERE i.event_id = p.event_id) AS inventory_version,
        s.id, s.section_key, s.row_key, s.position, s.x, s.y, s.ticket_type_id, s.accessible,
        s.label, s.row_label, s.section_name,
        s.blocked_at IS NULL AND NOT EXISTS (SELECT 1 FROM seat_allocations l
          WHERE l.seat_id = s.id AND l.released_at IS NULL) AS free
      FROM seating_plans p
        LEFT JOIN seats s ON s.event_id = p.event_id AND s.removed_at IS NULL
      WHERE p.event_id = ${eventId} AND p.version > 0
      ORDER BY s.section_key, s.row_key, s.position`.execute(db);
    const [first] = rows;
    if (!first) return undefined;
    return {
      seatsVersion: first.seats_version,
      // A draft has no inventory row and sells nothing: any version will do.
      inventoryVersion: first.inventory_version ?? 0,
      focus: { x: first.focus_x, y: first.focus_y },
      seats: rows.flatMap((r) =>
        r.id === null
          ? []
          : [
              {
                id: r.id,
                section: r.section_key,
                row: r.row_key,
                order: r.position,
                x: r.x,
                y: r.y,
                ticketTypeId: r.ticket_type_id,
                accessible: r.accessible,
                free: r.free,
                label: { seatId: r.id, section: r.section_name, row: r.row_label, label: r.label },
              },
            ],
      ),
    };
  },

  /**
   * Seats for a booking outside the allocator's batch (a late payment, a waitlist offer), after
   * the caller moved the event's inventory row in its transaction: recorded at its new version.
   * The live-allocation index refuses a seat already taken.
   */
  async allocate(
    trx: Transaction<Database>,
    eventId: string,
    bookingId: string,
    seatIds: readonly string[],
    at: Date,
  ): Promise<void> {
    if (seatIds.length === 0) return;
    await sql`
      INSERT INTO seat_allocations (seat_id, booking_id, event_id, allocated_at, version)
      SELECT s.id, ${bookingId}, ${eventId}, ${at},
        (SELECT i.version FROM event_inventory i WHERE i.event_id = ${eventId})
      FROM unnest(${[...seatIds]}::uuid[]) AS s(id)`.execute(trx);
  },

  /**
   * A confirmed booking's seats are sold now (no longer held): recorded at the event's inventory
   * version the caller has already moved in this transaction.
   */
  async confirm(trx: Transaction<Database>, bookingIds: readonly string[]) {
    if (bookingIds.length === 0) return;
    await sql`
      UPDATE seat_allocations a
      SET version = (SELECT i.version FROM event_inventory i WHERE i.event_id = a.event_id)
      WHERE a.booking_id = ANY(${[...bookingIds]}::uuid[]) AND a.released_at IS NULL`.execute(trx);
  },

  /**
   * Ended bookings' seats are free again, recorded at the event's inventory version the caller
   * has already moved in this transaction.
   */
  async release(trx: Transaction<Database>, bookingIds: readonly string[], at: Date) {
    if (bookingIds.length === 0) return;
    await sql`
      UPDATE seat_allocations a SET released_at = greatest(${at}::timestamptz, a.allocated_at),
        version = (SELECT i.version FROM event_inventory i WHERE i.event_id = a.event_id)
      WHERE a.booking_id = ANY(${[...bookingIds]}::uuid[]) AND a.released_at IS NULL`.execute(trx);
  },

  /** Seats free now of each type that has seats in the event's plan (see free-seats.ts). */
  async freeSeatsByType(db: Db, eventId: string): Promise<Record<string, number> | null> {
    const { rows } = await sql<{ free: Record<string, number> | null }>`
      SELECT ${freeSeatsColumn(eventId)} AS free`.execute(db);
    return rows[0]?.free ?? null;
  },

  /** The seats a booking held (its last allocations), to sell them again as they were. */
  async seatsOf(
    db: Db,
    bookingId: string,
  ): Promise<Array<{ seatId: string; ticketTypeId: string }>> {
    const rows = await db
      .selectFrom('seat_allocations as a')
      .innerJoin('seats as s', 's.id', 'a.seat_id')
      .select(['a.seat_id', 's.ticket_type_id'])
      .distinct()
      .where('a.booking_id', '=', bookingId)
      .execute();
    return rows.map((r) => ({ seatId: r.seat_id, ticketTypeId: r.ticket_type_id }));
  },
};
