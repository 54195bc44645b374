import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/** The advisory lock every analytics projection transaction holds shared ('anal'). */
const ANALYTICS_LOCK = 0x616e_616c;

/**
 * Analytics per ticket type and per voucher: read models the projection folds booking lines
 * into, like the per-event figures (a line is held while its booking is pending, sold once it is
 * confirmed; a voucher counts the confirmed bookings made with it and their discounts). Quota
 * figures are the sums of their types', so they need no table. The live log gains the detail a
 * one-event stream carries.
 *
 * On a database with history the tables are filled from the source rows as the projection has
 * seen them: the analytics events still waiting for the `analytics` consumer are taken off again,
 * since the consumer will add them when they arrive. A projection running older code meanwhile
 * (a rolling deploy) does not write these tables: run the rebuild once afterwards.
 */
export async function up(db: AnyDb): Promise<void> {
  // First, before the live log is altered (a projection holding the lock writes to it): no
  // projection transaction is half done while the tables are filled, and none starts before this
  // commits, so what the consumer has processed stays put.
  await sql`SELECT pg_advisory_xact_lock(${ANALYTICS_LOCK}::bigint)`.execute(db);
  await db.schema
    .createTable('analytics_ticket_type_stats')
    .addColumn('event_id', 'uuid', (c) => c.notNull())
    .addColumn('ticket_type_id', 'uuid', (c) => c.notNull())
    .addColumn('tickets_sold', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('tickets_held', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('revenue_cents', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('analytics_ticket_type_stats_pkey', ['event_id', 'ticket_type_id'])
    .execute();
  await db.schema
    .createTable('analytics_voucher_stats')
    .addColumn('event_id', 'uuid', (c) => c.notNull())
    .addColumn('voucher_id', 'uuid', (c) => c.notNull())
    .addColumn('redemptions', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('discount_cents', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('analytics_voucher_stats_pkey', ['event_id', 'voucher_id'])
    .execute();
  // A one-event stream's detail, and whether the update moved only that (a hold): streams of
  // several events skip those.
  await sql`ALTER TABLE analytics_live_updates ADD COLUMN detail jsonb,
    ADD COLUMN detail_only boolean NOT NULL DEFAULT false`.execute(db);

  // How each unprocessed booking event moved its lines (held, sold), to take off again. Only
  // undelivered outbox rows can be unprocessed; a rebuild's covered events count as processed.
  const unprocessed = sql`
    SELECT (o.payload->>'bookingId')::uuid AS booking_id, m.held, m.sold
    FROM outbox o
    CROSS JOIN LATERAL (SELECT CASE
      WHEN o.topic = 'booking.created' THEN 1
      WHEN o.topic = 'booking.confirmed' THEN -1
      WHEN o.topic = 'booking.expired' THEN -1
      WHEN o.payload->>'previousStatus' = 'confirmed' THEN 0
      ELSE -1 END AS held,
      CASE
      WHEN o.topic = 'booking.confirmed' THEN 1
      WHEN o.topic = 'booking.cancelled' AND o.payload->>'previousStatus' = 'confirmed' THEN -1
      ELSE 0 END AS sold) m
    WHERE o.delivered_at IS NULL
      AND o.topic IN ('booking.created', 'booking.confirmed', 'booking.cancelled', 'booking.expired')
      AND NOT EXISTS (SELECT 1 FROM processed_events p
        WHERE p.consumer = 'analytics' AND p.event_id = o.id)
      AND NOT EXISTS (SELECT 1 FROM analytics_rebuild_covered c WHERE c.event_id = o.id)`;
  // Each booking's lines as its status says, less what its unprocessed events did.
  await sql`
    WITH pending_moves AS (
      SELECT booking_id, sum(held) AS held, sum(sold) AS sold FROM (${unprocessed}) u
      GROUP BY booking_id
    ), lines AS (
      SELECT b.event_id, i.ticket_type_id, i.quantity, i.total_cents,
        (b.status = 'pending')::int - coalesce(m.held, 0) AS held,
        (b.status = 'confirmed')::int - coalesce(m.sold, 0) AS sold
      FROM booking_items i JOIN bookings b ON b.id = i.booking_id
      LEFT JOIN pending_moves m ON m.booking_id = b.id
    )
    INSERT INTO analytics_ticket_type_stats (event_id, ticket_type_id, tickets_sold, tickets_held,
      revenue_cents)
    SELECT event_id, ticket_type_id, sum(sold * quantity), sum(held * quantity),
      sum(sold * total_cents)
    FROM lines GROUP BY event_id, ticket_type_id`.execute(db);
  await sql`
    WITH pending_moves AS (
      SELECT booking_id, sum(sold) AS sold FROM (${unprocessed}) u GROUP BY booking_id
    ), uses AS (
      SELECT b.event_id, r.voucher_id,
        (b.status = 'confirmed')::int - coalesce(m.sold, 0) AS sold,
        (SELECT coalesce(sum(i.discount_cents), 0) FROM booking_items i
          WHERE i.booking_id = r.booking_id) AS discount
      FROM voucher_redemptions r JOIN bookings b ON b.id = r.booking_id
      LEFT JOIN pending_moves m ON m.booking_id = b.id
    )
    INSERT INTO analytics_voucher_stats (event_id, voucher_id, redemptions, discount_cents)
    SELECT event_id, voucher_id, sum(sold), sum(sold * discount)
    FROM uses GROUP BY event_id, voucher_id`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`ALTER TABLE analytics_live_updates DROP COLUMN detail, DROP COLUMN detail_only`.execute(
    db,
  );
  await db.schema.dropTable('analytics_voucher_stats').execute();
  await db.schema.dropTable('analytics_ticket_type_stats').execute();
}
