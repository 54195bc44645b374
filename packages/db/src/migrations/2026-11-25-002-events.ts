import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/** The events module's table. */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('organizer_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('draft')
        .check(sql`status IN ('draft', 'published', 'cancelled', 'completed')`),
    )
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('venue', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('capacity', 'integer', (c) => c.notNull().check(sql`capacity BETWEEN 1 AND 1000000`))
    .addColumn('price_cents', 'bigint', (c) => c.notNull().check(sql`price_cents >= 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('max_per_booking', 'integer', (c) => c.notNull())
    .addColumn('max_per_user', 'integer')
    .addColumn('sales_start_at', 'timestamptz')
    .addColumn('sales_end_at', 'timestamptz')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('published_at', 'timestamptz')
    .addColumn('cancelled_at', 'timestamptz')
    .addColumn('cancel_reason', 'text')
    .addCheckConstraint('events_time_order', sql`ends_at > starts_at`)
    .execute();
  // Full-text search for `q`: weighted title > venue > description.
  await sql`
    ALTER TABLE events ADD COLUMN search tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('english', title), 'A') ||
      setweight(to_tsvector('english', venue), 'B') ||
      setweight(to_tsvector('english', description), 'C')
    ) STORED`.execute(db);
  await sql`CREATE INDEX events_search_idx ON events USING gin (search)`.execute(db);
  // Keyset pages are (starts_at, id); public lists filter on status, organizers on themselves.
  await db.schema
    .createIndex('events_starts_idx')
    .on('events')
    .columns(['starts_at', 'id'])
    .execute();
  await db.schema
    .createIndex('events_status_starts_idx')
    .on('events')
    .columns(['status', 'starts_at', 'id'])
    .execute();
  await db.schema
    .createIndex('events_organizer_starts_idx')
    .on('events')
    .columns(['organizer_id', 'starts_at', 'id'])
    .execute();
  // The completion job looks for published events that have ended.
  await sql`CREATE INDEX events_published_end_idx ON events (ends_at) WHERE status = 'published'`.execute(
    db,
  );
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('events').execute();
}
