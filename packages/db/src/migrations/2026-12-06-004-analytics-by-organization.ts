import { type Kysely, type RawBuilder, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/** The per-event read models whose rows name who they belong to. */
const OWNED = ['analytics_event_stats', 'analytics_live_updates'] as const;
const COUNTERS = ['bookings', 'tickets', 'cancellations', 'new_users', 'verified_users'] as const;

/**
 * Events belong to organizations now (an organization's members read its figures), so the
 * analytics read models are keyed by organization instead of by organizer: the per-event rows
 * carry the event's organization, and the organizer scope of the series and hours becomes an
 * organization scope. The projection wrote every per-event fact to both the event and the
 * organizer scope, so the organization scope is exactly the event scope summed by the event's
 * organization. A row of an event that no longer exists keeps its figures in its organizer's
 * personal organization (or, without one, is dropped: a deleted draft never had figures).
 */
export async function up(db: AnyDb): Promise<void> {
  await lockReadModels(db);
  for (const table of OWNED) {
    await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN organization_id uuid`.execute(db);
    // One pass: the event's organization, else the organizer's personal one (named by the
    // organizations migration's slug).
    await sql`
      UPDATE ${sql.table(table)} t SET organization_id = coalesce(
        (SELECT e.organization_id FROM events e WHERE e.id = t.event_id),
        (SELECT o.id FROM organizations o
          WHERE o.slug = 'u-' || replace(t.organizer_id::text, '-', '')))`.execute(db);
    await sql`DELETE FROM ${sql.table(table)} WHERE organization_id IS NULL`.execute(db);
    await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN organization_id SET NOT NULL`.execute(
      db,
    );
  }
  await sql`DROP INDEX analytics_event_stats_organizer_idx`.execute(db);
  for (const table of OWNED) {
    await sql`ALTER TABLE ${sql.table(table)} DROP COLUMN organizer_id`.execute(db);
  }
  // An organization's events are listed (and totalled) by start, as the organizer's were. The
  // live log gets no index: it is written on the hot path and read by sequence number.
  await sql`CREATE INDEX analytics_event_stats_organization_idx
    ON analytics_event_stats (organization_id, starts_at)`.execute(db);

  await rescope(db, { from: 'organizer', to: 'organization', owner: 'organization_id' });
}

export async function down(db: AnyDb): Promise<void> {
  await lockReadModels(db);
  for (const table of OWNED) {
    await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN organizer_id uuid`.execute(db);
    // The event's creator, else (the inverse of `up`'s fallback) the user whose personal
    // organization holds a deleted event's row.
    await sql`
      UPDATE ${sql.table(table)} t SET organizer_id = coalesce(
        (SELECT e.organizer_id FROM events e WHERE e.id = t.event_id),
        (SELECT o.created_by FROM organizations o WHERE o.id = t.organization_id
          AND o.slug = 'u-' || replace(o.created_by::text, '-', '')))`.execute(db);
    await sql`DELETE FROM ${sql.table(table)} WHERE organizer_id IS NULL`.execute(db);
    await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN organizer_id SET NOT NULL`.execute(db);
  }
  await sql`DROP INDEX analytics_event_stats_organization_idx`.execute(db);
  for (const table of OWNED) {
    await sql`ALTER TABLE ${sql.table(table)} DROP COLUMN organization_id`.execute(db);
  }
  await sql`CREATE INDEX analytics_event_stats_organizer_idx
    ON analytics_event_stats (organizer_id, starts_at)`.execute(db);

  await rescope(db, { from: 'organization', to: 'organizer', owner: 'organizer_id' });
}

/**
 * Up front, in the order the projection writes them, so no batch lands between two steps (nor
 * deadlocks with this migration halfway through).
 */
async function lockReadModels(db: AnyDb): Promise<void> {
  await sql`LOCK TABLE analytics_event_stats, analytics_series, analytics_hours,
    analytics_live_updates IN ACCESS EXCLUSIVE MODE`.execute(db);
}

/**
 * Replaces the `from` scope of analytics_series and analytics_hours by the `to` scope: the
 * event scope's rows summed by the event's `owner` column. Rows of events that no longer exist
 * are left out (only a deleted draft's, which had no figures).
 */
async function rescope(
  db: AnyDb,
  { from, to, owner }: { from: string; to: string; owner: 'organization_id' | 'organizer_id' },
): Promise<void> {
  const kinds = sql.join(['all', to, 'event'].map((k) => sql.lit(k)));
  for (const table of ['analytics_series', 'analytics_hours']) {
    // Postgres' default names, from the column CHECKs of the migrations that made the tables.
    const check = sql.ref(`${table}_scope_kind_check`);
    await sql`ALTER TABLE ${sql.table(table)} DROP CONSTRAINT ${check}`.execute(db);
    await sql`DELETE FROM ${sql.table(table)} WHERE scope_kind = ${from}`.execute(db);
    await sql`ALTER TABLE ${sql.table(table)}
      ADD CONSTRAINT ${check} CHECK (scope_kind IN (${kinds}))`.execute(db);
  }

  const owned = sql.ref(`e.${owner}`);
  const sum = (column: string, type: 'int' | 'bigint'): RawBuilder<unknown> =>
    sql`sum(${sql.ref(column)})::${sql.raw(type)}`;
  await sql`
    INSERT INTO analytics_series (granularity, scope_kind, scope_id, bucket,
      ${sql.join(COUNTERS.map((c) => sql.ref(c)))}, revenue_cents)
    SELECT s.granularity, ${to}, ${owned}, s.bucket,
      ${sql.join(COUNTERS.map((c) => sum(`s.${c}`, 'int')))}, ${sum('s.revenue_cents', 'bigint')}
    FROM analytics_series s JOIN events e ON e.id = s.scope_id
    WHERE s.scope_kind = 'event'
    GROUP BY s.granularity, ${owned}, s.bucket`.execute(db);

  // Element-wise: each event day's 24 hours numbered, summed per owner, day and hour, and
  // gathered back in hour order (every event row has 24, so every sum has 24).
  const gather = (column: string) => sql`array_agg(${sql.ref(`h.${column}`)} ORDER BY h.i)`;
  await sql`
    INSERT INTO analytics_hours (scope_kind, scope_id, day,
      ${sql.join(COUNTERS.map((c) => sql.ref(c)))}, revenue_cents)
    SELECT ${to}, h.owner, h.day, ${sql.join(COUNTERS.map(gather))}, ${gather('revenue_cents')}
    FROM (
      SELECT ${owned} AS owner, d.day, u.i,
        ${sql.join(COUNTERS.map((c) => sql`${sum(`u.${c}`, 'int')} AS ${sql.ref(c)}`))},
        ${sum('u.revenue_cents', 'bigint')} AS revenue_cents
      FROM analytics_hours d
      JOIN events e ON e.id = d.scope_id
      CROSS JOIN LATERAL unnest(${sql.join(COUNTERS.map((c) => sql.ref(`d.${c}`)))},
        d.revenue_cents) WITH ORDINALITY
        AS u (${sql.join(COUNTERS.map((c) => sql.ref(c)))}, revenue_cents, i)
      WHERE d.scope_kind = 'event'
      GROUP BY 1, 2, 3
    ) h
    GROUP BY h.owner, h.day`.execute(db);
}
