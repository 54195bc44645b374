import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/**
 * Hourly buckets move from a row per hour (analytics_series, granularity 'hour') to a row per
 * UTC day holding the day's 24 hours as arrays. A week of an event's hours is then 7–8 rows
 * whatever it sold, where it was up to 168 rows on as many pages: the series' cost follows its
 * window, not the sales. analytics_series keeps the daily buckets.
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`
    CREATE TABLE analytics_hours (
      scope_kind text NOT NULL CHECK (scope_kind IN ('all', 'organizer', 'event')),
      scope_id uuid NOT NULL,
      -- The UTC day's first instant; element i of each array is the hour starting i hours later.
      day timestamptz NOT NULL,
      bookings int[] NOT NULL,
      tickets int[] NOT NULL,
      cancellations int[] NOT NULL,
      revenue_cents bigint[] NOT NULL,
      new_users int[] NOT NULL,
      verified_users int[] NOT NULL,
      PRIMARY KEY (scope_kind, scope_id, day),
      CONSTRAINT analytics_hours_24 CHECK (
        cardinality(bookings) = 24 AND cardinality(tickets) = 24
        AND cardinality(cancellations) = 24 AND cardinality(revenue_cents) = 24
        AND cardinality(new_users) = 24 AND cardinality(verified_users) = 24)
    )`.execute(db);
  // Each day's hours gathered into arrays of the hours it had and their counts, then spread over
  // 24 slots (a quiet hour is no element: 0).
  const spread = (column: string) =>
    sql`ARRAY(SELECT coalesce(${sql.ref(column)}[array_position(hs, g)], 0)
      FROM generate_series(0, 23) AS g ORDER BY g)`;
  await sql`
    INSERT INTO analytics_hours (scope_kind, scope_id, day, bookings, tickets, cancellations,
      revenue_cents, new_users, verified_users)
    SELECT scope_kind, scope_id, day, ${spread('bookings')}, ${spread('tickets')},
      ${spread('cancellations')}, ${spread('revenue_cents')}, ${spread('new_users')},
      ${spread('verified_users')}
    FROM (
      SELECT scope_kind, scope_id, date_trunc('day', bucket, 'UTC') AS day,
        array_agg(extract(hour FROM bucket AT TIME ZONE 'UTC')::int) AS hs,
        array_agg(bookings) AS bookings, array_agg(tickets) AS tickets,
        array_agg(cancellations) AS cancellations, array_agg(revenue_cents) AS revenue_cents,
        array_agg(new_users) AS new_users, array_agg(verified_users) AS verified_users
      FROM analytics_series WHERE granularity = 'hour'
      GROUP BY 1, 2, 3
    ) d`.execute(db);
  await sql`DELETE FROM analytics_series WHERE granularity = 'hour'`.execute(db);
  await sql`ALTER TABLE analytics_series
    DROP CONSTRAINT analytics_series_granularity_check,
    ADD CONSTRAINT analytics_series_granularity_check CHECK (granularity = 'day')`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`ALTER TABLE analytics_series
    DROP CONSTRAINT analytics_series_granularity_check,
    ADD CONSTRAINT analytics_series_granularity_check CHECK (granularity IN ('hour', 'day'))`.execute(
    db,
  );
  await sql`
    INSERT INTO analytics_series (granularity, scope_kind, scope_id, bucket, bookings, tickets,
      cancellations, revenue_cents, new_users, verified_users)
    SELECT 'hour', h.scope_kind, h.scope_id, h.day + make_interval(hours => (u.i - 1)::int),
      u.bookings, u.tickets, u.cancellations, u.revenue_cents, u.new_users, u.verified_users
    FROM analytics_hours h
    CROSS JOIN LATERAL unnest(h.bookings, h.tickets, h.cancellations, h.revenue_cents,
      h.new_users, h.verified_users) WITH ORDINALITY
      AS u (bookings, tickets, cancellations, revenue_cents, new_users, verified_users, i)
    WHERE (u.bookings, u.tickets, u.cancellations, u.revenue_cents, u.new_users, u.verified_users)
      <> (0, 0, 0, 0, 0, 0)`.execute(db);
  await sql`DROP TABLE analytics_hours`.execute(db);
}
