import type { Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';

type Db = Kysely<Database> | Transaction<Database>;

export interface InventoryRow {
  event_id: string;
  capacity: number;
  confirmed: number;
  held: number;
  version: number;
}

/** SQL on event_inventory, the bookings module's capacity row per published event. */
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
      .select(['event_id', 'capacity', 'confirmed', 'held', 'version'])
      .where('event_id', '=', eventId)
      .executeTakeFirst();
  },

  /** Inventory rows with how many entries wait on each event's waitlist. */
  findMany(
    db: Db,
    eventIds: readonly string[],
  ): Promise<(InventoryRow & { waiting: string | null })[]> {
    if (eventIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('event_inventory as i')
      .select(['i.event_id', 'i.capacity', 'i.confirmed', 'i.held', 'i.version'])
      .select((eb) =>
        eb
          .selectFrom('waitlist_entries as w')
          .select(eb.fn.countAll<string>().as('n'))
          .whereRef('w.event_id', '=', 'i.event_id')
          .where('w.status', '=', 'waiting')
          .as('waiting'),
      )
      .where('i.event_id', 'in', eventIds)
      .execute();
  },
};
