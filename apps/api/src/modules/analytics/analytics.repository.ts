import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';
import type { StatsRow } from './analytics.mappers.js';
import { ALL_SCOPE } from './projection.repository.js';

type Db = Kysely<Database>;

/** Events of one organizer (or all), optionally only those starting in [from, to). */
export interface EventFilter {
  organizerId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

export interface SeriesScope {
  kind: 'all' | 'organizer' | 'event';
  id: string;
}

export interface SeriesPoint {
  /** The bucket's start, epoch ms. */
  at: number;
  bookings: number;
  tickets: number;
  cancellations: number;
  revenueCents: number;
  newUsers: number;
}

const SCALE = 1_000_000;

/**
 * Every read of the analytics queries. They touch only the read models: a per-event row, a
 * bucket per hour or day, never a booking — their cost does not grow with the bookings.
 */
export const analyticsRepository = {
  stats(db: Db, eventId: string): Promise<StatsRow | undefined> {
    return db
      .selectFrom('analytics_event_stats')
      .selectAll()
      .where('event_id', '=', eventId)
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
    if (filter.organizerId) query = query.where('organizer_id', '=', filter.organizerId);
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

  /** Buckets of one scope starting in [from, to), oldest first; only those with activity. */
  async series(
    db: Db,
    granularity: 'hour' | 'day',
    scope: SeriesScope,
    window: { from?: Date | undefined; to?: Date | undefined },
  ): Promise<SeriesPoint[]> {
    // The columns a series shows, the bucket as epoch ms: a week of hours is 168 rows, and
    // parsing each row's timestamp into a Date (and the unused columns) cost more than the query.
    let query = db
      .selectFrom('analytics_series')
      .select([
        sql<number>`(extract(epoch from bucket) * 1000)::float8`.as('at'),
        'bookings',
        'tickets',
        'cancellations',
        'revenue_cents',
        'new_users',
      ])
      .where('granularity', '=', granularity)
      .where('scope_kind', '=', scope.kind)
      .where('scope_id', '=', scope.kind === 'all' ? ALL_SCOPE : scope.id)
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

  /** Users registered (and verified) in buckets starting in [from, to). */
  async users(db: Db, window: { from?: Date | undefined; to?: Date | undefined }) {
    // Whole days when there is no window: fewer rows to add.
    const granularity = window.from || window.to ? 'hour' : 'day';
    let query = db
      .selectFrom('analytics_series')
      .select([
        sql<string>`coalesce(sum(new_users), 0)`.as('total'),
        sql<string>`coalesce(sum(verified_users), 0)`.as('verified'),
      ])
      .where('granularity', '=', granularity)
      .where('scope_kind', '=', 'all')
      .where('scope_id', '=', ALL_SCOPE);
    if (window.from) query = query.where('bucket', '>=', window.from);
    if (window.to) query = query.where('bucket', '<', window.to);
    const row = await query.executeTakeFirstOrThrow();
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
    if (filter.organizerId) query = query.where('organizer_id', '=', filter.organizerId);
    if (filter.from) query = query.where('starts_at', '>=', filter.from);
    if (filter.to) query = query.where('starts_at', '<', filter.to);
    return query.execute();
  },
};
