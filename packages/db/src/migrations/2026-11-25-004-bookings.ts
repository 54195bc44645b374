import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/** The bookings module's bookings and waitlist. */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('waitlist_entries')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('event_id', 'uuid', (c) => c.notNull().references('events.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .check(sql`status IN ('waiting', 'offered', 'converted', 'expired', 'left', 'closed')`),
    )
    // FIFO: a sequence, not a timestamp (two joins in one millisecond still have an order).
    .addColumn('join_seq', 'bigserial', (c) => c.notNull())
    .addColumn('offer_booking_id', 'uuid')
    .addColumn('offer_expires_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE INDEX waitlist_queue_idx ON waitlist_entries (event_id, join_seq) WHERE status = 'waiting'`.execute(
    db,
  );
  await db.schema
    .createIndex('waitlist_user_idx')
    .on('waitlist_entries')
    .columns(['user_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('waitlist_event_idx')
    .on('waitlist_entries')
    .columns(['event_id', 'join_seq'])
    .execute();

  await db.schema
    .createTable('bookings')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('event_id', 'uuid', (c) => c.notNull().references('events.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status IN ('pending', 'confirmed', 'cancelled', 'expired')`),
    )
    .addColumn('unit_price_cents', 'bigint', (c) => c.notNull())
    .addColumn('total_cents', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('confirmed_at', 'timestamptz')
    .addColumn('cancelled_at', 'timestamptz')
    .addColumn('cancel_reason', 'text')
    .addColumn('waitlist_entry_id', 'uuid', (c) => c.references('waitlist_entries.id'))
    .addCheckConstraint(
      'bookings_pending_expiry',
      sql`status <> 'pending' OR expires_at IS NOT NULL`,
    )
    .execute();
  await db.schema
    .createIndex('bookings_user_idx')
    .on('bookings')
    .columns(['user_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('bookings_event_idx')
    .on('bookings')
    .columns(['event_id', 'created_at', 'id'])
    .execute();
  // The sweeper looks for holds past their expiry.
  await sql`CREATE INDEX bookings_pending_expiry_idx ON bookings (expires_at) WHERE status = 'pending'`.execute(
    db,
  );
  // maxPerUser sums a user's live bookings of one event.
  await sql`CREATE INDEX bookings_live_user_event_idx ON bookings (event_id, user_id) WHERE status IN ('pending', 'confirmed')`.execute(
    db,
  );
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('bookings').execute();
  await db.schema.dropTable('waitlist_entries').execute();
}
