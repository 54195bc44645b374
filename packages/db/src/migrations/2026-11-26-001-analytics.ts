import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/**
 * The analytics module's read models, folded from domain events (or rebuilt from the source
 * tables). Queries read only these, so their cost does not grow with the number of bookings.
 */
export async function up(db: AnyDb): Promise<void> {
  // One row per event: counters moved by deltas (commutative, so events may arrive in any
  // order) and the event's own fields, kept from the newest event version seen.
  await db.schema
    .createTable('analytics_event_stats')
    .addColumn('event_id', 'uuid', (c) => c.primaryKey())
    .addColumn('organizer_id', 'uuid', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status IN ('draft', 'published', 'cancelled', 'completed', 'deleted')`),
    )
    .addColumn('capacity', 'integer', (c) => c.notNull())
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('event_version', 'integer', (c) => c.notNull())
    .addColumn('confirmed_bookings', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pending_bookings', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cancelled_bookings', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expired_bookings', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('tickets_sold', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('revenue_cents', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('waitlist_joined', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('waitlist_waiting', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('waitlist_offered', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('waitlist_converted', 'integer', (c) => c.notNull().defaultTo(0))
    // The live-update sequence number of this row's latest figures (0: none published yet).
    .addColumn('live_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('analytics_event_stats_organizer_idx')
    .on('analytics_event_stats')
    .columns(['organizer_id', 'starts_at'])
    .execute();
  await db.schema
    .createIndex('analytics_event_stats_starts_idx')
    .on('analytics_event_stats')
    .column('starts_at')
    .execute();

  // Hourly and daily buckets per event, per organizer and overall ('all', nil uuid).
  await db.schema
    .createTable('analytics_series')
    .addColumn('granularity', 'text', (c) => c.notNull().check(sql`granularity IN ('hour', 'day')`))
    .addColumn('scope_kind', 'text', (c) =>
      c.notNull().check(sql`scope_kind IN ('all', 'organizer', 'event')`),
    )
    .addColumn('scope_id', 'uuid', (c) => c.notNull())
    .addColumn('bucket', 'timestamptz', (c) => c.notNull())
    .addColumn('bookings', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('tickets', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cancellations', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('revenue_cents', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('new_users', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('verified_users', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('analytics_series_pk', [
      'granularity',
      'scope_kind',
      'scope_id',
      'bucket',
    ])
    .execute();

  // Whether an entry has left the 'waiting' state: its first later event (in whatever order
  // they arrive) takes it off the waiting count, exactly once.
  await db.schema
    .createTable('analytics_waitlist_entries')
    .addColumn('entry_id', 'uuid', (c) => c.primaryKey())
    .addColumn('event_id', 'uuid', (c) => c.notNull())
    .addColumn('left_waiting', 'boolean', (c) => c.notNull())
    .execute();

  // The live stream: every change of an event's figures, numbered in commit order (the cursor
  // row is locked from numbering to commit), so "after id N" is a gap-free resume point.
  await db.schema
    .createTable('analytics_live_updates')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('event_id', 'uuid', (c) => c.notNull())
    .addColumn('organizer_id', 'uuid', (c) => c.notNull())
    .addColumn('stats', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('analytics_live_updates_event_idx')
    .on('analytics_live_updates')
    .columns(['event_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('analytics_live_updates_created_idx')
    .on('analytics_live_updates')
    .column('created_at')
    .execute();
  await db.schema
    .createTable('analytics_live_cursor')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    // Updates up to here may have been pruned: a client further behind gets current figures.
    .addColumn('pruned_through', 'bigint', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO analytics_live_cursor (id, seq, pruned_through) VALUES (1, 0, 0)`.execute(
    db,
  );

  // Events whose effect a rebuild already counted although the consumer had not processed
  // them: the consumer skips (and deletes) them when they arrive.
  await db.schema
    .createTable('analytics_rebuild_covered')
    .addColumn('event_id', 'uuid', (c) => c.primaryKey())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of [
    'analytics_rebuild_covered',
    'analytics_live_cursor',
    'analytics_live_updates',
    'analytics_waitlist_entries',
    'analytics_series',
    'analytics_event_stats',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
