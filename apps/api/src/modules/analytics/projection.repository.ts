import type { EventDetail, EventStats } from '@evently/contracts';
import type { Database } from '@evently/db';
import { sql, type Transaction } from 'kysely';
import type { CheckinDelta } from './analytics.checkins.js';
import type { TypeDelta, VoucherDelta } from './analytics.lines.js';
import type { StatsRow } from './analytics.mappers.js';
import { type SeriesDelta, type StatsDelta, ZERO_STATS } from './analytics.projector.js';
import type { EventMeta } from './source.repository.js';

type Trx = Transaction<Database>;

/** The scope id of the overall series (scopes are otherwise event and organization ids). */
export const ALL_SCOPE = '00000000-0000-0000-0000-000000000000';

export interface SeriesRow {
  granularity: 'hour' | 'day';
  scopeKind: 'all' | 'organization' | 'event';
  scopeId: string;
  bucket: Date;
  delta: SeriesDelta;
}

const counterColumns = Object.keys(ZERO_STATS) as (keyof StatsDelta)[];
const seriesColumns = [
  'bookings',
  'tickets',
  'cancellations',
  'revenue_cents',
  'new_users',
  'verified_users',
] as const satisfies readonly (keyof SeriesDelta)[];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** One UTC day of a scope's hours, as deltas per column (element i: the hour i hours in). */
interface HoursRow {
  scopeKind: SeriesRow['scopeKind'];
  scopeId: string;
  day: Date;
  arrays: Record<(typeof seriesColumns)[number], number[]>;
}

const emptyHours = (): HoursRow['arrays'] => ({
  bookings: Array(24).fill(0),
  tickets: Array(24).fill(0),
  cancellations: Array(24).fill(0),
  revenue_cents: Array(24).fill(0),
  new_users: Array(24).fill(0),
  verified_users: Array(24).fill(0),
});
/** The event's own fields: replaced only by a newer event version. */
const metaColumns = ['organization_id', 'title', 'status', 'capacity', 'starts_at'] as const;

/** Every write of the projection. All of them run inside a consumer's delivery transaction. */
export const projectionRepository = {
  /** Which of these events a rebuild already counted: forgets their marks (their effect is skipped). */
  async takeCovered(trx: Trx, eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const rows = await trx
      .deleteFrom('analytics_rebuild_covered')
      .where('event_id', 'in', [...eventIds])
      .returning('event_id')
      .execute();
    return new Set(rows.map((r) => r.event_id));
  },

  async entryJoined(trx: Trx, entryId: string, eventId: string): Promise<void> {
    await trx
      .insertInto('analytics_waitlist_entries')
      .values({ entry_id: entryId, event_id: eventId, left_waiting: false })
      .onConflict((oc) => oc.column('entry_id').doNothing())
      .execute();
  },

  /** True the first time the entry moves out of the queue (whichever event says so first). */
  async entryLeftWaiting(trx: Trx, entryId: string, eventId: string): Promise<boolean> {
    const row = await trx
      .insertInto('analytics_waitlist_entries')
      .values({ entry_id: entryId, event_id: eventId, left_waiting: true })
      .onConflict((oc) =>
        oc
          .column('entry_id')
          .doUpdateSet({ left_waiting: true })
          .where('analytics_waitlist_entries.left_waiting', '=', false),
      )
      .returning('entry_id')
      .executeTakeFirst();
    return row !== undefined;
  },

  /**
   * Marks these (list, ticket) pairs entered, in the given order (the caller sorts them: the lock
   * order); returns those marked now — their first entry counts, any later one does not.
   */
  async markEntered(
    trx: Trx,
    pairs: ReadonlyArray<{ listId: string; ticketId: string }>,
  ): Promise<Array<{ listId: string; ticketId: string }>> {
    if (pairs.length === 0) return [];
    const rows = await trx
      .insertInto('analytics_checkin_tickets')
      .values(pairs.map((p) => ({ list_id: p.listId, ticket_id: p.ticketId })))
      .onConflict((oc) => oc.columns(['list_id', 'ticket_id']).doNothing())
      .returning(['list_id', 'ticket_id'])
      .execute();
    return rows.map((r) => ({ listId: r.list_id, ticketId: r.ticket_id }));
  },

  /**
   * Adds the rows' deltas to their buckets in one statement: hours into their day's row of
   * analytics_hours (one element of its arrays), days into analytics_series. Rows come in a
   * fixed order (event before organization before all, then by scope and time), so every projection
   * transaction locks them in one order: no deadlocks.
   */
  async addSeries(trx: Trx, rows: SeriesRow[]): Promise<void> {
    const days = new Map<string, HoursRow>();
    for (const row of rows) {
      if (row.granularity !== 'hour') continue;
      const day = new Date(Math.floor(row.bucket.getTime() / DAY_MS) * DAY_MS);
      const key = `${row.scopeKind}|${row.scopeId}|${day.getTime()}`;
      let into = days.get(key);
      if (!into) {
        into = { scopeKind: row.scopeKind, scopeId: row.scopeId, day, arrays: emptyHours() };
        days.set(key, into);
      }
      const hour = (row.bucket.getTime() - day.getTime()) / HOUR_MS;
      for (const c of seriesColumns)
        into.arrays[c][hour] = (into.arrays[c][hour] ?? 0) + row.delta[c];
    }
    const hours = sql.table('analytics_hours');
    const hoursInsert =
      days.size > 0
        ? sql`INSERT INTO analytics_hours (scope_kind, scope_id, day,
            ${sql.join(seriesColumns.map((c) => sql.ref(c)))})
          VALUES ${sql.join(
            [...days.values()].map(
              (d) =>
                sql`(${d.scopeKind}, ${d.scopeId}, ${d.day}, ${sql.join(
                  seriesColumns.map(
                    (c) =>
                      sql`${d.arrays[c]}::${sql.raw(c === 'revenue_cents' ? 'bigint[]' : 'int[]')}`,
                  ),
                )})`,
            ),
          )}
          ON CONFLICT (scope_kind, scope_id, day) DO UPDATE SET ${sql.join(
            seriesColumns.map(
              (c) => sql`${sql.ref(c)} = ARRAY(SELECT a + b FROM unnest(${hours}.${sql.ref(c)},
                excluded.${sql.ref(c)}) WITH ORDINALITY AS u (a, b, i) ORDER BY i)`,
            ),
          )}`
        : undefined;
    const daily = rows.filter((r) => r.granularity === 'day');
    const series = sql.table('analytics_series');
    const daysInsert =
      daily.length > 0
        ? sql`INSERT INTO analytics_series (granularity, scope_kind, scope_id, bucket,
            ${sql.join(seriesColumns.map((c) => sql.ref(c)))})
          VALUES ${sql.join(
            daily.map(
              (r) =>
                sql`('day', ${r.scopeKind}, ${r.scopeId}, ${r.bucket}, ${sql.join(
                  seriesColumns.map((c) => sql`${r.delta[c]}`),
                )})`,
            ),
          )}
          ON CONFLICT (granularity, scope_kind, scope_id, bucket) DO UPDATE SET ${sql.join(
            seriesColumns.map(
              (c) => sql`${sql.ref(c)} = ${series}.${sql.ref(c)} + excluded.${sql.ref(c)}`,
            ),
          )}`
        : undefined;
    // One round trip for both. Postgres runs an unreferenced WITH insert after the main one, so
    // hours are locked before days — the same statement, so the same order, in every transaction.
    const statement =
      hoursInsert && daysInsert
        ? sql`WITH days AS (${daysInsert}) ${hoursInsert}`
        : (hoursInsert ?? daysInsert);
    if (statement) await statement.execute(trx);
  },

  /**
   * Adds each event's deltas to its row (creating it), refreshing its fields from a newer version,
   * all in one statement; rows are locked in the given order (the caller sorts by event id). One
   * item per event: a statement cannot update a row twice.
   */
  async upsertStats(
    trx: Trx,
    items: ReadonlyArray<{ meta: EventMeta; delta: StatsDelta }>,
    now: Date,
  ): Promise<Map<string, StatsRow>> {
    if (items.length === 0) return new Map();
    const t = sql.table('analytics_event_stats');
    const values = items.map(
      ({
        meta,
        delta,
      }) => sql`(${meta.eventId}, ${meta.organizationId}, ${meta.title}, ${meta.status},
        ${meta.capacity}, ${meta.startsAt}, ${meta.version},
        ${sql.join(counterColumns.map((c) => sql`${delta[c]}`))}, ${now})`,
    );
    const { rows } = await sql<StatsRow>`
      INSERT INTO analytics_event_stats (event_id, ${sql.join(metaColumns.map((c) => sql.ref(c)))},
        event_version, ${sql.join(counterColumns.map((c) => sql.ref(c)))}, updated_at)
      VALUES ${sql.join(values)}
      ON CONFLICT (event_id) DO UPDATE SET
        ${sql.join(counterColumns.map((c) => sql`${sql.ref(c)} = ${t}.${sql.ref(c)} + excluded.${sql.ref(c)}`))},
        ${sql.join(
          metaColumns.map(
            (c) =>
              sql`${sql.ref(c)} = CASE WHEN excluded.event_version > ${t}.event_version
                THEN excluded.${sql.ref(c)} ELSE ${t}.${sql.ref(c)} END`,
          ),
        )},
        event_version = GREATEST(${t}.event_version, excluded.event_version),
        updated_at = excluded.updated_at
      RETURNING *`.execute(trx);
    const byEvent = new Map(rows.map((row) => [row.event_id, row]));
    for (const { meta } of items) {
      if (!byEvent.has(meta.eventId)) throw new Error(`no stats row for event ${meta.eventId}`);
    }
    return byEvent;
  },

  async deleteStats(trx: Trx, eventId: string): Promise<StatsRow | undefined> {
    await trx.deleteFrom('analytics_ticket_type_stats').where('event_id', '=', eventId).execute();
    await trx.deleteFrom('analytics_voucher_stats').where('event_id', '=', eventId).execute();
    await trx.deleteFrom('analytics_checkin_stats').where('event_id', '=', eventId).execute();
    return trx
      .deleteFrom('analytics_event_stats')
      .where('event_id', '=', eventId)
      .returningAll()
      .executeTakeFirst();
  },

  /**
   * Adds deltas to rows per ticket type (creating them), in one statement; rows in the given
   * order (the caller sorts by event and type: the lock order). One item per row.
   */
  async addTypeStats(
    trx: Trx,
    items: ReadonlyArray<{ eventId: string; ticketTypeId: string; delta: TypeDelta }>,
  ): Promise<void> {
    if (items.length === 0) return;
    const t = sql.table('analytics_ticket_type_stats');
    await sql`
      INSERT INTO analytics_ticket_type_stats (event_id, ticket_type_id, tickets_sold,
        tickets_held, revenue_cents)
      VALUES ${sql.join(
        items.map(
          ({ eventId, ticketTypeId, delta }) => sql`(${eventId}, ${ticketTypeId},
            ${delta.tickets_sold}, ${delta.tickets_held}, ${delta.revenue_cents})`,
        ),
      )}
      ON CONFLICT (event_id, ticket_type_id) DO UPDATE SET
        tickets_sold = ${t}.tickets_sold + excluded.tickets_sold,
        tickets_held = ${t}.tickets_held + excluded.tickets_held,
        revenue_cents = ${t}.revenue_cents + excluded.revenue_cents`.execute(trx);
  },

  /** The same per voucher (a zero delta makes the row of a voucher used in an order). */
  async addVoucherStats(
    trx: Trx,
    items: ReadonlyArray<{ eventId: string; voucherId: string; delta: VoucherDelta }>,
  ): Promise<void> {
    if (items.length === 0) return;
    const t = sql.table('analytics_voucher_stats');
    await sql`
      INSERT INTO analytics_voucher_stats (event_id, voucher_id, redemptions, discount_cents)
      VALUES ${sql.join(
        items.map(
          ({ eventId, voucherId, delta }) => sql`(${eventId}, ${voucherId},
            ${delta.redemptions}, ${delta.discount_cents})`,
        ),
      )}
      ON CONFLICT (event_id, voucher_id) DO UPDATE SET
        redemptions = ${t}.redemptions + excluded.redemptions,
        discount_cents = ${t}.discount_cents + excluded.discount_cents`.execute(trx);
  },

  /** The same per check-in list (rows by event and list: the lock order). */
  async addCheckinStats(
    trx: Trx,
    items: ReadonlyArray<{ eventId: string; listId: string; delta: CheckinDelta }>,
  ): Promise<void> {
    if (items.length === 0) return;
    const t = sql.table('analytics_checkin_stats');
    await sql`
      INSERT INTO analytics_checkin_stats (event_id, list_id, entered, inside)
      VALUES ${sql.join(
        items.map(
          ({ eventId, listId, delta }) =>
            sql`(${eventId}, ${listId}, ${delta.entered}, ${delta.inside})`,
        ),
      )}
      ON CONFLICT (event_id, list_id) DO UPDATE SET
        entered = ${t}.entered + excluded.entered,
        inside = ${t}.inside + excluded.inside`.execute(trx);
  },

  /**
   * Numbers the batch's new figures (in the given order) and appends them to the live log, in
   * one statement: the cursor moves once per batch. The cursor row stays locked until the
   * transaction ends, so numbers become visible in order and without gaps (a rolled-back batch's
   * numbers are handed out again). Each event's row (already locked by this transaction)
   * remembers the number of its latest figures. Returns the numbers, in the given order.
   */
  async appendLiveUpdates(
    trx: Trx,
    updates: ReadonlyArray<{
      eventId: string;
      organizationId: string;
      stats: EventStats;
      detail?: EventDetail | undefined;
      detailOnly?: boolean;
    }>,
  ): Promise<string[]> {
    if (updates.length === 0) return [];
    const list = JSON.stringify(
      updates.map((u, i) => ({
        n: i + 1,
        event_id: u.eventId,
        organization_id: u.organizationId,
        stats: u.stats,
        ...(u.detail && { detail: u.detail }),
        detail_only: u.detailOnly === true,
      })),
    );
    const { rows } = await sql<{ seq: string }>`
      WITH c AS (
        UPDATE analytics_live_cursor SET seq = seq + ${updates.length}::bigint WHERE id = 1
        RETURNING seq - ${updates.length}::bigint AS base
      ), u AS (
        SELECT * FROM jsonb_to_recordset(${list}::jsonb)
          AS u(n bigint, event_id uuid, organization_id uuid, stats jsonb, detail jsonb,
            detail_only boolean)
      ), latest AS (
        SELECT event_id, max(n) AS n FROM u GROUP BY event_id
      ), s AS (
        UPDATE analytics_event_stats t SET live_seq = c.base + latest.n FROM c, latest
        WHERE t.event_id = latest.event_id RETURNING t.event_id
      )
      INSERT INTO analytics_live_updates (seq, event_id, organization_id, stats, detail,
        detail_only)
      SELECT c.base + u.n, u.event_id, u.organization_id, u.stats, u.detail, u.detail_only
      FROM c, u
      RETURNING seq`.execute(trx);
    if (rows.length !== updates.length) throw new Error('analytics_live_cursor has no row');
    return rows.map((r) => String(r.seq)).sort((a, b) => Number(BigInt(a) - BigInt(b)));
  },
};
