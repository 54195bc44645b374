import type { Database } from '@evently/db';
import { personalOrganization } from '@evently/db/testing/personal-organization';
import { type Kysely, sql } from 'kysely';

const DAY_MS = 86_400_000;

/** Published events of one organizer with room for any number of bookings; returns their ids. */
export async function seedAnalyticsEvents(
  db: Kysely<Database>,
  organizerId: string,
  count: number,
): Promise<string[]> {
  const organizationId = await personalOrganization(db, organizerId);
  const origin = new Date(Date.now() + DAY_MS);
  const rows = await sql<{ id: string }>`
    INSERT INTO events (id, organizer_id, organization_id, status, title, description, venue, starts_at, ends_at,
      capacity, price_cents, currency, max_per_booking, published_at, updated_at)
    SELECT gen_random_uuid(), ${organizerId}, ${organizationId}, 'published', 'Analytics bench #' || i, '', 'Hall',
      ${origin}::timestamptz + make_interval(hours => i),
      ${origin}::timestamptz + make_interval(hours => i + 2),
      1000000, 500 + (i % 20) * 250, 'EUR', 10, now(), now()
    FROM generate_series(0, ${count - 1}) AS g(i)
    RETURNING id`.execute(db);
  const ids = rows.rows.map((r) => r.id);
  // Each sells one type, as an event made through the API does.
  await sql`
    INSERT INTO ticket_types (event_id, name, price_cents, max_per_booking, updated_at)
    SELECT id, 'General admission', price_cents, max_per_booking, now() FROM events
    WHERE id = ANY(${ids}::uuid[])`.execute(db);
  return ids;
}

/** Verified accounts that only own bookings (they never sign in). */
export async function seedAnalyticsUsers(db: Kysely<Database>, count: number): Promise<void> {
  await sql`
    INSERT INTO users (id, email, name, role, password_hash, email_verified_at, updated_at)
    SELECT gen_random_uuid(), 'analytics-' || i || '@bench.example', 'Bench ' || i, 'user',
      'not a hash', now(), now()
    FROM generate_series(0, ${count - 1}) AS g(i)`.execute(db);
}

/**
 * Bookings numbered [from, to) spread over the seeded events and users and over the last 30
 * days: 70 % confirmed, 15 % cancelled after confirmation, 15 % expired — written straight into
 * the table (the read models come from a rebuild afterwards).
 */
export async function seedAnalyticsBookings(
  db: Kysely<Database>,
  from: number,
  to: number,
): Promise<void> {
  const CHUNK = 200_000;
  for (let start = from; start < to; start += CHUNK) {
    const end = Math.min(to, start + CHUNK);
    await sql`
      WITH ev AS (
        SELECT id, price_cents, (row_number() OVER (ORDER BY id)) - 1 AS n
        FROM events WHERE title LIKE 'Analytics bench #%'
      ),
      us AS (
        SELECT id, (row_number() OVER (ORDER BY id)) - 1 AS n
        FROM users WHERE email LIKE 'analytics-%@bench.example'
      ),
      -- The counts as constants, so both joins below are plain equi-joins (hash joins): a join
      -- condition that used a count column of the joined row forced a nested loop, hours for 1M.
      c AS (SELECT (SELECT count(*) FROM ev) AS events, (SELECT count(*) FROM us) AS users),
      b AS (
        SELECT i, 1 + i % 3 AS q, (i * 7919) % 100 AS r,
          now() - make_interval(secs => (i * 104729) % 2592000) AS at,
          i % c.events AS ev_n, (i / c.events) % c.users AS us_n
        FROM generate_series(${start}::bigint, ${end - 1}::bigint) AS g(i) CROSS JOIN c
      )
      INSERT INTO bookings (id, event_id, user_id, quantity, status, unit_price_cents,
        total_cents, currency, created_at, updated_at, confirmed_at, cancelled_at)
      SELECT gen_random_uuid(), ev.id, us.id, b.q,
        CASE WHEN b.r < 70 THEN 'confirmed' WHEN b.r < 85 THEN 'cancelled' ELSE 'expired' END,
        ev.price_cents, ev.price_cents * b.q, 'EUR', b.at, b.at,
        CASE WHEN b.r < 85 THEN b.at + interval '5 minutes' END,
        CASE WHEN b.r >= 70 AND b.r < 85 THEN b.at + interval '2 hours' END
      FROM b
      JOIN ev ON ev.n = b.ev_n
      JOIN us ON us.n = b.us_n`.execute(db);
  }
  await sql`ANALYZE bookings`.execute(db);
}
