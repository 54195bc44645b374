import type { MapSeat } from '@evently/contracts';
import type { Database, PlanSectionsJson } from '@evently/db';
import { type Kysely, sql, type Transaction } from 'kysely';

type Db = Kysely<Database> | Transaction<Database>;

/** What the seating module decides by about an event. */
export interface SeatingEvent {
  id: string;
  organizationId: string;
  status: 'draft' | 'published' | 'cancelled' | 'completed';
}

/** An event's plan as stored (version 0: being created by the transaction that holds it). */
export interface PlanRow {
  version: number;
  focus: { x: number; y: number };
  sections: PlanSectionsJson[];
}

/** A seat of the plan now, as an edit of the plan needs it. */
export interface CurrentSeat {
  id: string;
  section: string;
  row: string;
  seat: string;
  ticketTypeId: string;
  /** In a live booking (held or sold). */
  live: boolean;
}

/** A seat as a plan places it (the columns of `seats` a plan sets). */
export interface PlacedSeat {
  sectionKey: string;
  rowKey: string;
  seatKey: string;
  label: string;
  rowLabel: string;
  sectionName: string;
  ticketTypeId: string;
  x: number;
  y: number;
  accessible: boolean;
  position: number;
}

/** A seat of the map, with its order in its row. */
export interface MapSeatRow extends MapSeat {
  position: number;
}

/** A seat named by a block or unblock: whether it is in a live booking, or blocked already. */
export interface NamedSeat {
  id: string;
  live: boolean;
  blocked: boolean;
}

const EVENT_COLUMNS = ['id', 'organization_id', 'status'] as const;

/**
 * A block's or unblock's place in the event's seat changes: the inventory version the change
 * moved (changeSeating moves it first), or 0 for a draft, which has no inventory row.
 */
const stateVersion = sql<number>`coalesce((SELECT i.version FROM event_inventory i
  WHERE i.event_id = seats.event_id), 0)`;

function toEvent(row: {
  id: string;
  organization_id: string;
  status: SeatingEvent['status'];
}): SeatingEvent {
  return { id: row.id, organizationId: row.organization_id, status: row.status };
}

/** Every SQL statement on `seating_plans`, `seats` and (reading) `seat_allocations`. */
export const seatingRepository = {
  async event(db: Db, eventId: string): Promise<SeatingEvent | undefined> {
    const row = await db
      .selectFrom('events')
      .select(EVENT_COLUMNS)
      .where('id', '=', eventId)
      .executeTakeFirst();
    return row && toEvent(row);
  },

  /**
   * The event's row held FOR SHARE until the change commits: it is not published, cancelled or
   * changed meanwhile (the events module takes it FOR UPDATE, before the inventory row: the
   * same order as here).
   */
  async lockEvent(trx: Transaction<Database>, eventId: string): Promise<SeatingEvent | undefined> {
    const row = await trx
      .selectFrom('events')
      .select(EVENT_COLUMNS)
      .where('id', '=', eventId)
      .forShare()
      .executeTakeFirst();
    return row && toEvent(row);
  },

  /**
   * The event's plan, locked FOR UPDATE (changes of one plan run one at a time). With `create`,
   * a missing plan is made first at version 0 (two first plans at once: the second waits for
   * the first's commit, then locks its row).
   */
  async lockPlan(
    trx: Transaction<Database>,
    eventId: string,
    create: boolean,
  ): Promise<PlanRow | undefined> {
    if (create) {
      await trx
        .insertInto('seating_plans')
        .values({
          event_id: eventId,
          version: 0,
          focus_x: 0,
          focus_y: 0,
          sections: '[]',
          updated_at: new Date(),
        })
        .onConflict((oc) => oc.column('event_id').doNothing())
        .execute();
    }
    const row = await trx
      .selectFrom('seating_plans')
      .select(['version', 'focus_x', 'focus_y', 'sections'])
      .where('event_id', '=', eventId)
      .forUpdate()
      .executeTakeFirst();
    return row && toPlan(row);
  },

  async plan(db: Db, eventId: string): Promise<PlanRow | undefined> {
    const row = await db
      .selectFrom('seating_plans')
      .select(['version', 'focus_x', 'focus_y', 'sections'])
      .where('event_id', '=', eventId)
      .where('version', '>=', 1)
      .executeTakeFirst();
    return row && toPlan(row);
  },

  /** Which of `ids` are ticket types of the event. */
  async typesOfEvent(db: Db, eventId: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await db
      .selectFrom('ticket_types')
      .select('id')
      .where('event_id', '=', eventId)
      .where('id', '=', sql<string>`any(${[...ids]}::uuid[])`)
      .execute();
    return new Set(rows.map((r) => r.id));
  },

  /** The plan's seats now (by keys, then in row order), each with whether a live booking holds it. */
  async currentSeats(db: Db, eventId: string): Promise<CurrentSeat[]> {
    const { rows } = await sql<CurrentSeat>`
      SELECT s.id, s.section_key AS section, s.row_key AS row, s.seat_key AS seat,
        s.ticket_type_id AS "ticketTypeId", a.seat_id IS NOT NULL AS live
      FROM seats s
      LEFT JOIN seat_allocations a ON a.seat_id = s.id AND a.released_at IS NULL
      WHERE s.event_id = ${eventId} AND s.removed_at IS NULL
      ORDER BY s.section_key, s.row_key, s.position`.execute(db);
    return rows;
  },

  /**
   * Writes the plan's seats, in one statement: new keys are inserted, known ones (a removed seat
   * of those keys included: it comes back with its id) updated where anything differs.
   */
  async placeSeats(
    trx: Transaction<Database>,
    eventId: string,
    seats: readonly PlacedSeat[],
    at: Date,
  ): Promise<void> {
    if (seats.length === 0) return;
    const column = <K extends keyof PlacedSeat>(key: K) => seats.map((s) => s[key]);
    await sql`
      INSERT INTO seats (event_id, section_key, row_key, seat_key, label, row_label,
        section_name, ticket_type_id, x, y, accessible, position, created_at, updated_at)
      SELECT ${eventId}, t.*, ${at}::timestamptz, ${at}::timestamptz
      FROM unnest(${column('sectionKey')}::text[], ${column('rowKey')}::text[],
        ${column('seatKey')}::text[], ${column('label')}::text[], ${column('rowLabel')}::text[],
        ${column('sectionName')}::text[], ${column('ticketTypeId')}::uuid[],
        ${column('x')}::float8[], ${column('y')}::float8[], ${column('accessible')}::bool[],
        ${column('position')}::int[])
        AS t(section_key, row_key, seat_key, label, row_label, section_name, ticket_type_id,
          x, y, accessible, position)
      ON CONFLICT ON CONSTRAINT seats_key DO UPDATE SET
        label = excluded.label, row_label = excluded.row_label,
        section_name = excluded.section_name, ticket_type_id = excluded.ticket_type_id,
        x = excluded.x, y = excluded.y, accessible = excluded.accessible,
        position = excluded.position, removed_at = NULL, updated_at = excluded.updated_at
      WHERE (seats.label, seats.row_label, seats.section_name, seats.ticket_type_id, seats.x,
          seats.y, seats.accessible, seats.position, seats.removed_at)
        IS DISTINCT FROM (excluded.label, excluded.row_label, excluded.section_name,
          excluded.ticket_type_id, excluded.x, excluded.y, excluded.accessible,
          excluded.position, NULL::timestamptz)`.execute(trx);
  },

  /**
   * Takes seats out of the plan: deleted, or, when a booking ever held one, marked removed (its
   * bookings still name it; the database refuses deleting it anyway). A removed seat loses its
   * block: if a plan brings it back, it comes back on sale.
   */
  async removeSeats(
    trx: Transaction<Database>,
    eventId: string,
    ids: readonly string[],
    at: Date,
  ): Promise<void> {
    if (ids.length === 0) return;
    const list = sql`any(${[...ids]}::uuid[])`;
    await sql`DELETE FROM seats s WHERE s.event_id = ${eventId} AND s.id = ${list}
      AND NOT EXISTS (SELECT 1 FROM seat_allocations a WHERE a.seat_id = s.id)`.execute(trx);
    await sql`UPDATE seats SET removed_at = ${at}, blocked_at = NULL, block_reason = NULL,
        updated_at = ${at}
      WHERE event_id = ${eventId} AND id = ${list} AND removed_at IS NULL`.execute(trx);
  },

  /** The plan's new version, focus and sections (from a locked row); its seats changed too. */
  async savePlan(
    trx: Transaction<Database>,
    eventId: string,
    plan: PlanRow,
    at: Date,
  ): Promise<void> {
    await trx
      .updateTable('seating_plans')
      .set((eb) => ({
        version: plan.version,
        seats_version: eb('seats_version', '+', 1),
        focus_x: plan.focus.x,
        focus_y: plan.focus.y,
        sections: JSON.stringify(plan.sections),
        updated_at: at,
      }))
      .where('event_id', '=', eventId)
      .execute();
  },

  /** Marks a change of which seats may be sold that is not a change of the plan (a block). */
  async seatsChanged(trx: Transaction<Database>, eventId: string, at: Date): Promise<void> {
    await trx
      .updateTable('seating_plans')
      .set((eb) => ({ seats_version: eb('seats_version', '+', 1), updated_at: at }))
      .where('event_id', '=', eventId)
      .execute();
  },

  /** Those of `ids` that are seats of the event's plan now. */
  async namedSeats(db: Db, eventId: string, ids: readonly string[]): Promise<NamedSeat[]> {
    const { rows } = await sql<NamedSeat>`
      SELECT s.id, a.seat_id IS NOT NULL AS live, s.blocked_at IS NOT NULL AS blocked
      FROM seats s
      LEFT JOIN seat_allocations a ON a.seat_id = s.id AND a.released_at IS NULL
      WHERE s.event_id = ${eventId} AND s.removed_at IS NULL
        AND s.id = any(${[...ids]}::uuid[])`.execute(db);
    return rows;
  },

  /** Blocks those of `ids` not blocked yet: the ids blocked now. */
  async block(
    trx: Transaction<Database>,
    eventId: string,
    ids: readonly string[],
    reason: string | null,
    at: Date,
  ): Promise<string[]> {
    const rows = await trx
      .updateTable('seats')
      .set({ blocked_at: at, block_reason: reason, updated_at: at, state_version: stateVersion })
      .where('event_id', '=', eventId)
      .where('id', '=', sql<string>`any(${[...ids]}::uuid[])`)
      .where('blocked_at', 'is', null)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  },

  /** Unblocks those of `ids` that are blocked: the ids unblocked now. */
  async unblock(
    trx: Transaction<Database>,
    eventId: string,
    ids: readonly string[],
    at: Date,
  ): Promise<string[]> {
    const rows = await trx
      .updateTable('seats')
      .set({ blocked_at: null, block_reason: null, updated_at: at, state_version: stateVersion })
      .where('event_id', '=', eventId)
      .where('id', '=', sql<string>`any(${[...ids]}::uuid[])`)
      .where('blocked_at', 'is not', null)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  },

  /**
   * The plan's seats with their states now, in no particular order (sorting 100,000 wide rows
   * spills to disk in Postgres; the caller sorts them): sold (a live allocation of a confirmed
   * booking), held (of any other booking: pending), blocked, or available. Columns come out
   * named as the map names them.
   */
  async mapSeats(db: Db, eventId: string): Promise<MapSeatRow[]> {
    const { rows } = await sql<MapSeatRow>`
      SELECT s.id, s.section_key AS section, s.row_key AS row, s.label,
        s.ticket_type_id AS "ticketTypeId", s.x, s.y, s.accessible,
        CASE WHEN b.status = 'confirmed' THEN 'sold'
          WHEN a.seat_id IS NOT NULL THEN 'held'
          WHEN s.blocked_at IS NOT NULL THEN 'blocked'
          ELSE 'available' END AS state,
        s.position
      FROM seats s
      LEFT JOIN seat_allocations a ON a.seat_id = s.id AND a.released_at IS NULL
      LEFT JOIN bookings b ON b.id = a.booking_id
      WHERE s.event_id = ${eventId} AND s.removed_at IS NULL`.execute(db);
    return rows;
  },
};

function toPlan(row: {
  version: number;
  focus_x: number;
  focus_y: number;
  sections: PlanSectionsJson[];
}): PlanRow {
  return {
    version: row.version,
    focus: { x: row.focus_x, y: row.focus_y },
    sections: row.sections,
  };
}
