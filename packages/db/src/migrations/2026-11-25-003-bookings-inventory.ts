import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/**
 * The bookings module's inventory row per published event. Postgres is the arbiter of
 * capacity: the CHECK rejects an oversell even if every lock failed.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('event_inventory')
    .addColumn('event_id', 'uuid', (c) =>
      c.primaryKey().references('events.id').onDelete('cascade'),
    )
    .addColumn('capacity', 'integer', (c) => c.notNull())
    .addColumn('confirmed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('held', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'event_inventory_counts',
      sql`confirmed >= 0 AND held >= 0 AND capacity >= 1`,
    )
    .addCheckConstraint('event_inventory_capacity', sql`confirmed + held <= capacity`)
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('event_inventory').execute();
}
