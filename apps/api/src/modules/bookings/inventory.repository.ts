import type { Database } from '@evently/db';
import { type Expression, type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import { jsonObjectFrom } from 'kysely/helpers/postgres';

type Db = Kysely<Database> | Transaction<Database>;

/** The seat counts of an event; `version` moves on every write to them. */
export interface InventoryCounts {
  capacity: number;
  confirmed: number;
  held: number;
  version: number;
}

export interface InventoryRow extends InventoryCounts {
  event_id: string;
}

export interface SeatDelta {
  confirmed: number;
  held: number;
}

const counts = ['capacity', 'confirmed', 'held', 'version'] as const;

/**
 * Every SQL statement on `event_inventory`, the bookings module's capacity row per published
 * event: `CHECK (confirmed + held <= capacity)` is the last line against an oversell, and every
 * write bumps `version`, which the allocator's conditional write checks.
 */
export const inventoryRepository = {
  async create(trx: Transaction<Database>, eventId: string, capacity: number): Promise<void> {
    await trx
      .insertInto('event_inventory')
      .values({ event_id: eventId, capacity, updated_at: new Date() })
      .execute();
  },

  /** Sets the capacity unless it would drop below confirmed + held; false when refused. */
  async setCapacity(
    trx: Transaction<Database>,
    eventId: string,
    capacity: number,
  ): Promise<boolean> {
    const row = await trx
      .updateTable('event_inventory')
      .set((eb) => ({ capacity, version: eb('version', '+', 1), updated_at: new Date() }))
      .where('event_id', '=', eventId)
      .where((eb) => eb(eb('confirmed', '+', eb.ref('held')), '<=', capacity))
      .returning('event_id')
      .executeTakeFirst();
    return row !== undefined;
  },

  find(db: Db, eventId: string): Promise<InventoryRow | undefined> {
    return db
      .selectFrom('event_inventory')
      .select(['event_id', ...counts])
      .where('event_id', '=', eventId)
      .executeTakeFirst();
  },

  /**
   * Locks the row: joins, releases and promotions of one event take it first, so they serialise
   * (and the version they bump makes a racing allocator batch re-read).
   */
  lock(trx: Transaction<Database>, eventId: string): Promise<InventoryCounts | undefined> {
    return trx
      .selectFrom('event_inventory')
      .select(counts)
      .where('event_id', '=', eventId)
      .forUpdate()
      .executeTakeFirst();
  },

  /**
   * Inventory rows with how many entries wait on each event's waitlist, and how many of its
   * public types on sale at `now` have no line (a newcomer may still book those).
   */
  findMany(
    db: Db,
    eventIds: readonly string[],
    now: Date,
  ): Promise<(InventoryRow & { waiting: string | null; unqueued: string | null })[]> {
    if (eventIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('event_inventory as i')
      .select(['i.event_id', 'i.capacity', 'i.confirmed', 'i.held', 'i.version'])
      .select((eb) => [
        eb
          .selectFrom('waitlist_entries as w')
          .select(eb.fn.countAll<string>().as('n'))
          .whereRef('w.event_id', '=', 'i.event_id')
          .where('w.status', '=', 'waiting')
          .as('waiting'),
        eb
          .selectFrom('ticket_types as t')
          .select(eb.fn.countAll<string>().as('n'))
          .whereRef('t.event_id', '=', 'i.event_id')
          .where('t.status', '=', 'active')
          .where('t.hidden', '=', false)
          .where((t) => t.or([t('t.sales_start_at', 'is', null), t('t.sales_start_at', '<=', now)]))
          .where((t) => t.or([t('t.sales_end_at', 'is', null), t('t.sales_end_at', '>', now)]))
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('waitlist_entries as q')
                  .select('q.id')
                  .whereRef('q.ticket_type_id', '=', 't.id')
                  .where('q.status', '=', 'waiting'),
              ),
            ),
          )
          .as('unqueued'),
      ])
      .where('i.event_id', 'in', eventIds)
      .execute();
  },

  /** Moves seats between counts unconditionally (frees, confirms, offers), bumping the version. */
  async adjustSeats(trx: Transaction<Database>, eventId: string, delta: SeatDelta): Promise<void> {
    await trx
      .updateTable('event_inventory')
      .set((eb) => ({
        confirmed: eb('confirmed', '+', delta.confirmed),
        held: eb('held', '+', delta.held),
        version: eb('version', '+', 1),
        updated_at: new Date(),
      }))
      .where('event_id', '=', eventId)
      .execute();
  },

  /** The queue changed (a join or a leave): a batch decided on the old queue must re-read. */
  async bumpVersion(trx: Transaction<Database>, eventId: string): Promise<void> {
    await trx
      .updateTable('event_inventory')
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .where('event_id', '=', eventId)
      .execute();
  },

  /**
   * The counts as one JSON column of a query of the caller's (null before the event is
   * published): the allocator reads them with the event's terms in one round trip. `eventId` may
   * be a column of the caller's query.
   */
  countsColumn(db: Db, eventId: string | Expression<string>) {
    return jsonObjectFrom(
      db.selectFrom('event_inventory').select(counts).where('event_id', '=', eventId),
    );
  },

  /**
   * The allocator's write, as the statement its batch CTE starts with: consumes each event's
   * `seats` only if neither its row nor the event's terms moved since the batch read them, and
   * skips a row another transaction holds (it is being written, so its version is about to move):
   * no batch ever waits on another's row, so batches over overlapping events cannot deadlock.
   * Returns the `event_id` of every row it wrote; a missing one lost the race.
   */
  consumeIfUnchanged(
    writes: readonly {
      eventId: string;
      inventoryVersion: number;
      eventVersion: number;
      seats: SeatDelta;
    }[],
    now: Date,
  ): RawBuilder<unknown> {
    const batch = writes.map((w) => ({
      event_id: w.eventId,
      inventory_version: w.inventoryVersion,
      event_version: w.eventVersion,
      confirmed: w.seats.confirmed,
      held: w.seats.held,
    }));
    return sql`
      UPDATE event_inventory i
      SET confirmed = i.confirmed + b.confirmed, held = i.held + b.held,
        version = i.version + 1, updated_at = ${now}
      FROM jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) AS b(event_id uuid,
        inventory_version int, event_version int, confirmed int, held int)
      WHERE i.event_id = b.event_id AND i.version = b.inventory_version
        AND i.event_id IN (SELECT l.event_id FROM event_inventory l
          WHERE l.event_id = ANY(${batch.map((b) => b.event_id)}::uuid[]) FOR UPDATE SKIP LOCKED)
        AND EXISTS (SELECT 1 FROM events e WHERE e.id = b.event_id AND e.version = b.event_version)
      RETURNING i.event_id`;
  },
};
