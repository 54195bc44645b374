import type { Database } from '@evently/db';
import { personalOrganization } from '@evently/db/testing/personal-organization';
import { type Kysely, sql } from 'kysely';

/** Title words: each matches 1/20 of the seeded events, so `q` has a realistic selectivity. */
export const SEED_GENRES = [
  'jazz',
  'rock',
  'opera',
  'comedy',
  'theatre',
  'poetry',
  'techno',
  'folk',
  'ballet',
  'cinema',
  'blues',
  'choir',
  'salsa',
  'tango',
  'piano',
  'guitar',
  'science',
  'chess',
  'startup',
  'yoga',
] as const;
const CITIES = [
  'Lisbon',
  'Berlin',
  'Oslo',
  'Lyon',
  'Turin',
  'Ghent',
  'Porto',
  'Graz',
  'Bern',
  'Cork',
];
/** Seeded events start this far apart, from one day ahead. */
export const SEED_SPACING_MINUTES = 10;

export interface SeededRange {
  /** The first and last start (epoch ms). */
  first: number;
  last: number;
}

/**
 * `count` published events of one organizer, with their inventory rows, in two INSERT … SELECT
 * statements (generate_series: no rows travel from Node), then ANALYZE so the planner knows the
 * table's size.
 */
export async function seedEvents(
  db: Kysely<Database>,
  organizerId: string,
  count: number,
): Promise<SeededRange> {
  const genres = sql.raw(`(ARRAY[${SEED_GENRES.map((g) => `'${g}'`).join(',')}])`);
  const cities = sql.raw(`(ARRAY[${CITIES.map((c) => `'${c}'`).join(',')}])`);
  const organizationId = await personalOrganization(db, organizerId);
  const origin = new Date(Math.ceil((Date.now() + 86_400_000) / 60_000) * 60_000);
  await sql`
    INSERT INTO events (id, organizer_id, organization_id, status, title, description, venue, starts_at, ends_at,
      capacity, price_cents, currency, max_per_booking, published_at, updated_at)
    SELECT gen_random_uuid(), ${organizerId}, ${organizationId}, 'published',
      initcap(${genres}[1 + i % 20]) || ' night #' || i,
      'An evening of ' || ${genres}[1 + i % 20] || ' in ' || ${cities}[1 + (i / 20) % 10] || '.',
      'Hall ' || (i % 7) || ', ' || ${cities}[1 + (i / 20) % 10],
      ${origin}::timestamptz + make_interval(mins => i * ${SEED_SPACING_MINUTES}),
      ${origin}::timestamptz + make_interval(mins => i * ${SEED_SPACING_MINUTES} + 120),
      100 + i % 900, (i % 50) * 100, 'EUR', 10, now(), now()
    FROM generate_series(0, ${count - 1}) AS g(i)`.execute(db);
  // Each sells one type, as an event made through the API does.
  await sql`
    INSERT INTO ticket_types (event_id, name, price_cents, max_per_booking, updated_at)
    SELECT id, 'General admission', price_cents, max_per_booking, now() FROM events
    WHERE organizer_id = ${organizerId}`.execute(db);
  await sql`
    INSERT INTO event_inventory (event_id, capacity, confirmed, updated_at)
    SELECT id, capacity, capacity / 3, now() FROM events WHERE organizer_id = ${organizerId}`.execute(
    db,
  );
  await sql`ANALYZE events`.execute(db);
  await sql`ANALYZE event_inventory`.execute(db);
  const minutes = (count - 1) * SEED_SPACING_MINUTES;
  return { first: origin.getTime(), last: origin.getTime() + minutes * 60_000 };
}
