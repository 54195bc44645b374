import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/** The advisory lock every analytics projection transaction holds shared ('anal'). */
const ANALYTICS_LOCK = 0x616e_616c;
/** The scope id of the overall series. */
const ALL_SCOPE = '00000000-0000-0000-0000-000000000000';

/**
 * Analytics follow money (API.md Part 2): revenue is payments less refunds, no longer the totals
 * of confirmed bookings, and the per-event figures gain `refunded_cents` and
 * `pending_payment_cents` (totals of pending bookings: held, not paid). A confirmation brings no
 * revenue any more, so figures of a database with history are recomputed: revenue (per event,
 * per ticket type, in the series) from the payments and refunds, the pending money from the
 * pending bookings. Bookings confirmed before payments existed have none: their revenue is gone
 * (nobody recorded receiving it).
 *
 * As in 2026-12-06-007, the figures are what the projection has seen: the analytics events the
 * `analytics` consumer has yet to process (undelivered, unclaimed, not covered by a rebuild) are
 * taken off again, since the consumer adds them when they arrive — a payment.received relayed
 * while no analytics consumer listened to it was marked delivered and never comes: counted here.
 *
 * The live log held figures without the new fields, under the old meaning of revenue: it is
 * emptied and marked pruned, and every event whose figures changed gets a new update number, so
 * a stream resuming from an older number gets those events' current figures.
 */
export async function up(db: AnyDb): Promise<void> {
  // No projection transaction is half done while the figures are recomputed, and none starts
  // before this commits.
  await sql`SELECT pg_advisory_xact_lock(${ANALYTICS_LOCK}::bigint)`.execute(db);
  await sql`ALTER TABLE analytics_event_stats
    ADD COLUMN refunded_cents bigint NOT NULL DEFAULT 0,
    ADD COLUMN pending_payment_cents bigint NOT NULL DEFAULT 0`.execute(db);

  const unprocessed = sql`
    SELECT o.topic, o.payload FROM outbox o
    WHERE o.delivered_at IS NULL
      AND o.topic IN ('booking.created', 'booking.confirmed', 'booking.cancelled',
        'booking.expired', 'payment.received', 'refund.requested')
      AND NOT EXISTS (SELECT 1 FROM processed_events p
        WHERE p.consumer = 'analytics' AND p.event_id = o.id)
      AND NOT EXISTS (SELECT 1 FROM analytics_rebuild_covered c WHERE c.event_id = o.id)`;
  // The money the projection has seen: + payments, − refunds, each at its instant.
  const counted = sql`
    SELECT p.booking_id, p.event_id, p.amount_cents AS amount, 0::int8 AS refunded, p.at
    FROM payments p
    WHERE NOT EXISTS (SELECT 1 FROM (${unprocessed}) u
      WHERE u.topic = 'payment.received' AND u.payload->>'paymentId' = p.id::text)
    UNION ALL
    SELECT r.booking_id, r.event_id, -r.amount_cents, r.amount_cents, r.requested_at
    FROM refunds r
    WHERE NOT EXISTS (SELECT 1 FROM (${unprocessed}) u
      WHERE u.topic = 'refund.requested' AND u.payload->>'refundId' = r.id::text)`;
  // What each unprocessed booking event will move the pending money by (as the projector does).
  const unpaidMoves = sql`
    SELECT (payload->>'eventId')::uuid AS event_id, (payload->>'totalCents')::int8 * CASE
      WHEN topic = 'booking.created' THEN 1
      WHEN topic = 'booking.cancelled' AND payload->>'previousStatus' <> 'pending' THEN 0
      -- A late payment's confirmation of an expired booking (its expiry took the money off).
      WHEN topic = 'booking.confirmed' AND payload->>'previousStatus' = 'expired' THEN 0
      ELSE -1 END AS unpaid
    FROM (${unprocessed}) u WHERE topic LIKE 'booking.%'`;

  const changed = new Set<string>();
  const { rows: stats } = await sql<{ event_id: string; changed: boolean }>`
    WITH money AS (
      SELECT event_id, sum(amount) AS revenue, sum(refunded) AS refunded FROM (${counted}) c
      GROUP BY event_id
    ), unpaid AS (
      SELECT event_id, sum(unpaid) AS unpaid FROM (
        SELECT event_id, total_cents AS unpaid FROM bookings WHERE status = 'pending'
        UNION ALL
        SELECT event_id, -unpaid FROM (${unpaidMoves}) m
      ) x GROUP BY event_id
    ), fresh AS (
      SELECT s.event_id, coalesce(m.revenue, 0) AS revenue, coalesce(m.refunded, 0) AS refunded,
        coalesce(h.unpaid, 0) AS unpaid,
        (s.revenue_cents, 0::numeric, 0::numeric)
          IS DISTINCT FROM (coalesce(m.revenue, 0), coalesce(m.refunded, 0), coalesce(h.unpaid, 0))
          AS changed
      FROM analytics_event_stats s
      LEFT JOIN money m ON m.event_id = s.event_id
      LEFT JOIN unpaid h ON h.event_id = s.event_id
    )
    UPDATE analytics_event_stats s SET revenue_cents = f.revenue, refunded_cents = f.refunded,
      pending_payment_cents = f.unpaid
    FROM fresh f WHERE f.event_id = s.event_id
    RETURNING s.event_id, f.changed`.execute(db);
  for (const row of stats) if (row.changed) changed.add(row.event_id);

  // Per ticket type: the counted money split over each booking's lines in proportion to their
  // totals (as the projection does: ⌊A·Cᵢ/T⌋ − ⌊A·Cᵢ₋₁/T⌋, lines by position then id).
  const { rows: zeroed } = await sql<{ event_id: string }>`
    UPDATE analytics_ticket_type_stats SET revenue_cents = 0 WHERE revenue_cents <> 0
    RETURNING event_id`.execute(db);
  const { rows: typed } = await sql<{ event_id: string }>`
    INSERT INTO analytics_ticket_type_stats (event_id, ticket_type_id, revenue_cents)
    SELECT l.event_id, l.ticket_type_id, sum(
      CASE WHEN l.total = 0 THEN CASE WHEN l.n = 1 THEN m.amount ELSE 0 END
      ELSE sign(m.amount::numeric) * (div(abs(m.amount)::numeric * l.upto, l.total)
        - div(abs(m.amount)::numeric * (l.upto - l.own), l.total)) END)
    FROM (
      SELECT i.booking_id, b.event_id, i.ticket_type_id, i.total_cents AS own,
        sum(i.total_cents) OVER w AS upto,
        sum(i.total_cents) OVER (PARTITION BY i.booking_id) AS total,
        row_number() OVER w AS n
      FROM booking_items i JOIN bookings b ON b.id = i.booking_id
      WINDOW w AS (PARTITION BY i.booking_id ORDER BY i.position, i.id)
    ) l
    JOIN (${counted}) m ON m.booking_id = l.booking_id
    GROUP BY l.event_id, l.ticket_type_id
    ON CONFLICT (event_id, ticket_type_id) DO UPDATE SET revenue_cents = excluded.revenue_cents
    RETURNING event_id`.execute(db);
  for (const row of [...zeroed, ...typed]) changed.add(row.event_id);

  // Series: revenue at the instants money moved, per event, organization and overall.
  await sql`UPDATE analytics_series SET revenue_cents = 0 WHERE revenue_cents <> 0`.execute(db);
  await sql`UPDATE analytics_hours SET revenue_cents = array_fill(0::int8, ARRAY[24])
    WHERE revenue_cents <> array_fill(0::int8, ARRAY[24])`.execute(db);
  const facts = sql`
    SELECT s.kind, s.id, c.at, c.amount
    FROM (${counted}) c JOIN events e ON e.id = c.event_id
    CROSS JOIN LATERAL (VALUES ('event', c.event_id), ('organization', e.organization_id),
      ('all', ${ALL_SCOPE}::uuid)) AS s (kind, id)`;
  await sql`
    INSERT INTO analytics_series (granularity, scope_kind, scope_id, bucket, revenue_cents)
    SELECT 'day', kind, id, date_trunc('day', at, 'UTC'), sum(amount) FROM (${facts}) f
    GROUP BY 2, 3, 4
    ON CONFLICT (granularity, scope_kind, scope_id, bucket)
      DO UPDATE SET revenue_cents = excluded.revenue_cents`.execute(db);
  const zeros = sql`array_fill(0, ARRAY[24])`;
  await sql`
    INSERT INTO analytics_hours (scope_kind, scope_id, day, bookings, tickets, cancellations,
      revenue_cents, new_users, verified_users)
    WITH hourly AS (
      SELECT kind, id, date_trunc('day', at, 'UTC') AS day,
        extract(hour FROM at AT TIME ZONE 'UTC')::int AS h, sum(amount) AS revenue
      FROM (${facts}) f GROUP BY 1, 2, 3, 4
    ), days AS (
      SELECT kind, id, day, array_agg(h) AS hs, array_agg(revenue) AS revenue
      FROM hourly GROUP BY 1, 2, 3
    )
    SELECT kind, id, day, ${zeros}, ${zeros}, ${zeros},
      ARRAY(SELECT coalesce(revenue[array_position(hs, g)], 0)::int8
        FROM generate_series(0, 23) AS g ORDER BY g), ${zeros}, ${zeros}
    FROM days
    ON CONFLICT (scope_kind, scope_id, day) DO UPDATE SET revenue_cents = excluded.revenue_cents`.execute(
    db,
  );

  // The live log: emptied and pruned through new numbers given to the events that changed.
  await sql`DELETE FROM analytics_live_updates`.execute(db);
  const ids = [...changed].sort();
  await sql`
    WITH c AS (
      UPDATE analytics_live_cursor SET seq = seq + ${ids.length}::bigint,
        pruned_through = seq + ${ids.length}::bigint
      WHERE id = 1 RETURNING seq - ${ids.length}::bigint AS base
    )
    UPDATE analytics_event_stats s SET live_seq = c.base + v.n, updated_at = now()
    FROM c, unnest(${ids}::uuid[]) WITH ORDINALITY AS v (id, n)
    WHERE s.event_id = v.id`.execute(db);
}

/**
 * Drops the new columns. Revenue keeps the meaning of money received: run the older code's
 * rebuild after going down to count confirmed bookings' totals again.
 */
export async function down(db: AnyDb): Promise<void> {
  await sql`ALTER TABLE analytics_event_stats DROP COLUMN refunded_cents,
    DROP COLUMN pending_payment_cents`.execute(db);
}
