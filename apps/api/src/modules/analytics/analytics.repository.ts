import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';
import type { StatsRow } from './analytics.mappers.js';
import { detailOf } from './detail.queries.js';
import type { DetailSource } from './event-detail.js';
import { ALL_SCOPE } from './projection.repository.js';

type Db = Kysely<Database>;

/**
 * Events of some organizations (all when undefined; none when empty), optionally only those
 * starting in [from, to).
 */
export interface EventFilter {
  organizationIds?: readonly string[] | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** Whose buckets a series sums: every event's, one event's, or some organizations'. */
export type SeriesScope =
  | { kind: 'all' }
  | { kind: 'event'; id: string }
  | { kind: 'organization'; ids: readonly string[] };

const scopeIds = (scope: SeriesScope): readonly string[] =>
  scope.kind === 'all' ? [ALL_SCOPE] : scope.kind === 'event' ? [scope.id] : scope.ids;

/** Rows of these organizations' events (an empty list matches nothing). */
export const ofOrganizations = (ids: readonly string[]) =>
  sql<boolean>`organization_id = ANY(${[...ids]}::uuid[])`;

export interface SeriesPoint {
  /** The bucket's start, epoch ms. */
  at: number;
  bookings: number;
  tickets: number;
  cancellations: number;
  revenueCents: number;
  newUsers: number;
}

/** A day of hours as the hourly series query sends it: its start (epoch ms), then 24 per column. */
type DayOfHours = [number, number[], number[], number[], number[], number[]];

const SCALE = 1_000_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Every read of the analytics queries. They touch only the read models: a per-event row, a
 * bucket per hour or day, never a booking — their cost does not grow with the bookings.
 */
export const analyticsRepository = {
  /** An event's figures, with the organization it belongs to now (whose members may read them). */
  stats(
    db: Db,
    eventId: string,
  ): Promise<(StatsRow & { organization_id: string | null }) | undefined> {
    return db
      .selectFrom('analytics_event_stats as s')
      .leftJoin('events as e', 'e.id', 's.event_id')
      .selectAll('s')
      .select('e.organization_id')
      .where('s.event_id', '=', eventId)
      .executeTakeFirst();
  },

  /**
   * `stats`, with the event's detail (every type, quota and used voucher) read in the same
   * statement: one snapshot, so the types add up to the event's figures.
   */
  statsWithDetail(
    db: Db,
    eventId: string,
  ): Promise<(StatsRow & { organization_id: string | null; detail: DetailSource }) | undefined> {
    return db
      .selectFrom('analytics_event_stats as s')
      .leftJoin('events as e', 'e.id', 's.event_id')
      .selectAll('s')
      .select('e.organization_id')
      .select(detailOf(sql.ref('s.event_id'), 'all').as('detail'))
      .where('s.event_id', '=', eventId)
      .executeTakeFirst();
  },

  async totals(db: Db, filter: EventFilter) {
    let query = db
      .selectFrom('analytics_event_stats')
      .select([
        sql<string>`count(*)`.as('total'),
        sql<string>`count(*) FILTER (WHERE status = 'published')`.as('published'),
        sql<string>`coalesce(sum(confirmed_bookings), 0)`.as('confirmed'),
        sql<string>`coalesce(sum(pending_bookings), 0)`.as('pending'),
        sql<string>`coalesce(sum(cancelled_bookings), 0)`.as('cancelled'),
        sql<string>`coalesce(sum(expired_bookings), 0)`.as('expired'),
        sql<string>`coalesce(sum(tickets_sold), 0)`.as('tickets'),
        sql<string>`coalesce(sum(revenue_cents), 0)`.as('revenue'),
        sql<string>`coalesce(sum(waitlist_waiting), 0)`.as('waiting'),
        sql<string>`coalesce(sum(waitlist_offered), 0)`.as('offered'),
        sql<string>`coalesce(sum(waitlist_converted), 0)`.as('converted'),
        sql<string>`coalesce(sum(tickets_sold) FILTER (WHERE status IN ('published', 'completed')), 0)`.as(
          'selling_tickets',
        ),
        sql<string>`coalesce(sum(capacity) FILTER (WHERE status IN ('published', 'completed')), 0)`.as(
          'selling_capacity',
        ),
      ]);
    if (filter.organizationIds) query = query.where(ofOrganizations(filter.organizationIds));
    if (filter.from) query = query.where('starts_at', '>=', filter.from);
    if (filter.to) query = query.where('starts_at', '<', filter.to);
    const row = await query.executeTakeFirstOrThrow();
    const n = (v: string) => Number(v);
    return {
      total: n(row.total),
      published: n(row.published),
      confirmed: n(row.confirmed),
      pending: n(row.pending),
      cancelled: n(row.cancelled),
      expired: n(row.expired),
      tickets: n(row.tickets),
      revenue: n(row.revenue),
      waiting: n(row.waiting),
      offered: n(row.offered),
      converted: n(row.converted),
      sellingTickets: n(row.selling_tickets),
      sellingCapacity: n(row.selling_capacity),
    };
  },

  /**
   * Buckets of a scope starting in [from, to), oldest first, summed over the scope's ids: days
   * with activity, or every hour of the days with activity (quiet hours of such a day as zeros).
   */
  async series(
    db: Db,
    granularity: 'hour' | 'day',
    scope: SeriesScope,
    window: { from?: Date | undefined; to?: Date | undefined },
  ): Promise<SeriesPoint[]> {
    const ids = scopeIds(scope);
    if (ids.length === 0) return [];
    const inScope = sql<boolean>`scope_kind = ${scope.kind} AND scope_id = ANY(${[...ids]}::uuid[])`;
    if (granularity === 'hour') {
      // A row per day, its hours as arrays: a week is 7–8 rows, however busy its hours were.
      // Sent as one JSON value: V8 parses it natively, where pg would parse each array's text
      // element by element in JavaScript (240 values a day).
      let query = db
        .selectFrom('analytics_hours')
        .select(
          sql<DayOfHours[] | null>`json_agg(json_build_array(
            (extract(epoch from day) * 1000)::float8, bookings, tickets, cancellations,
            revenue_cents, new_users) ORDER BY day)`.as('days'),
        )
        .where(inScope);
      if (window.from) query = query.where('day', '>', new Date(window.from.getTime() - DAY_MS));
      if (window.to) query = query.where('day', '<', window.to);
      const { days } = await query.executeTakeFirstOrThrow();
      const from = window.from?.getTime() ?? Number.NEGATIVE_INFINITY;
      const to = window.to?.getTime() ?? Number.POSITIVE_INFINITY;
      // Several ids' rows of one day add up into the same hours.
      const byHour = new Map<number, SeriesPoint>();
      for (const [day, bookings, tickets, cancellations, revenue, newUsers] of days ?? []) {
        for (let h = 0; h < 24; h++) {
          const at = day + h * HOUR_MS;
          if (at < from || at >= to) continue;
          const point = byHour.get(at) ?? {
            at,
            bookings: 0,
            tickets: 0,
            cancellations: 0,
            revenueCents: 0,
            newUsers: 0,
          };
          point.bookings += bookings[h] ?? 0;
          point.tickets += tickets[h] ?? 0;
          point.cancellations += cancellations[h] ?? 0;
          point.revenueCents += revenue[h] ?? 0;
          point.newUsers += newUsers[h] ?? 0;
          byHour.set(at, point);
        }
      }
      return [...byHour.values()];
    }
    // The columns a series shows, the bucket as epoch ms (a Date per row costs more than the row).
    let query = db
      .selectFrom('analytics_series')
      .select([
        sql<number>`(extract(epoch from bucket) * 1000)::float8`.as('at'),
        sql<number>`sum(bookings)::int`.as('bookings'),
        sql<number>`sum(tickets)::int`.as('tickets'),
        sql<number>`sum(cancellations)::int`.as('cancellations'),
        sql<string>`sum(revenue_cents)`.as('revenue_cents'),
        sql<number>`sum(new_users)::int`.as('new_users'),
      ])
      .where('granularity', '=', 'day')
      .where(inScope)
      .groupBy('bucket')
      .orderBy('bucket');
    if (window.from) query = query.where('bucket', '>=', window.from);
    if (window.to) query = query.where('bucket', '<', window.to);
    const rows = await query.execute();
    return rows.map((r) => ({
      at: r.at,
      bookings: r.bookings,
      tickets: r.tickets,
      cancellations: r.cancellations,
      revenueCents: Number(r.revenue_cents),
      newUsers: r.new_users,
    }));
  },

  /** Users registered (and verified) in [from, to): by the hour in a window, else by the day. */
  async users(db: Db, window: { from?: Date | undefined; to?: Date | undefined }) {
    if (window.from || window.to) {
      const hourStart = sql`h.day + make_interval(hours => (u.i - 1)::int)`;
      const { rows } = await sql<{ total: string; verified: string }>`
        SELECT coalesce(sum(u.n), 0) AS total, coalesce(sum(u.v), 0) AS verified
        FROM analytics_hours h
        CROSS JOIN LATERAL unnest(h.new_users, h.verified_users) WITH ORDINALITY AS u (n, v, i)
        WHERE h.scope_kind = 'all' AND h.scope_id = ${ALL_SCOPE}
          ${window.from ? sql`AND h.day > ${new Date(window.from.getTime() - DAY_MS)} AND ${hourStart} >= ${window.from}` : sql``}
          ${window.to ? sql`AND h.day < ${window.to} AND ${hourStart} < ${window.to}` : sql``}`.execute(
        db,
      );
      return { total: Number(rows[0]?.total ?? 0), verified: Number(rows[0]?.verified ?? 0) };
    }
    const row = await db
      .selectFrom('analytics_series')
      .select([
        sql<string>`coalesce(sum(new_users), 0)`.as('total'),
        sql<string>`coalesce(sum(verified_users), 0)`.as('verified'),
      ])
      .where('granularity', '=', 'day')
      .where('scope_kind', '=', 'all')
      .where('scope_id', '=', ALL_SCOPE)
      .executeTakeFirstOrThrow();
    return { total: Number(row.total), verified: Number(row.verified) };
  },

  /** Events that went on sale (published, completed or cancelled), best first. */
  top(
    db: Db,
    by: 'tickets' | 'revenue' | 'utilization',
    limit: number,
    filter: EventFilter,
  ): Promise<StatsRow[]> {
    const metric =
      by === 'tickets'
        ? sql`tickets_sold`
        : by === 'revenue'
          ? sql`revenue_cents`
          : // Integer arithmetic: a ratio that sorts the same on every database.
            sql`(tickets_sold::bigint * ${SCALE}) / greatest(capacity, 1)`;
    let query = db
      .selectFrom('analytics_event_stats')
      .selectAll()
      .where('status', 'in', ['published', 'completed', 'cancelled'])
      .orderBy(metric, 'desc')
      .orderBy('starts_at')
      .orderBy('event_id')
      .limit(limit);
    if (filter.organizationIds) query = query.where(ofOrganizations(filter.organizationIds));
    if (filter.from) query = query.where('starts_at', '>=', filter.from);
    if (filter.to) query = query.where('starts_at', '<', filter.to);
    return query.execute();
  },
};
