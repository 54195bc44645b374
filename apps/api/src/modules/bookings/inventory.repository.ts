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

  findMany(db: Db, eventIds: readonly string[]): Promise<InventoryRow[]> {
    if (eventIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('event_inventory')
      .select(['event_id', 'capacity', 'confirmed', 'held', 'version'])
      .where('event_id', 'in', eventIds)
      .execute();
  },
};
