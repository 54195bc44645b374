import type {
  DayPoint,
  EventAnalytics,
  EventDetail,
  EventStats,
  HourPoint,
  Overview,
  TopEvent,
} from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import { analyticsReach, asMember, authorize } from '../../access/access-policy.js';
import { AppError } from '../../kernel/app-error.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import { isAdmin, type Principal } from '../../kernel/principal.js';
import type { EventsService } from '../events/events.service.js';
import { type StatsRow, toEventStats, utilization } from './analytics.mappers.js';
import {
  analyticsRepository as repo,
  type SeriesPoint,
  type SeriesScope,
} from './analytics.repository.js';
import { detailsOf } from './detail.queries.js';
import { type DetailSource, toEventDetail } from './event-detail.js';
import type { LiveScope } from './live.repository.js';
import type { LiveHub } from './live-hub.js';
import { type LiveUpdate, streamLive } from './live-stream.js';
import { sourceRepository } from './source.repository.js';

const DAY_MS = 86_400_000;
const MAX_HOURLY_DAYS = 31;
const HOUR_MS = 3_600_000;

/**
 * Every hour starting in [from, to), quiet ones as zeros, like `daily`'s days: a chart needs no
 * gaps, and the answer's size follows the window, not how busy the event was.
 */
function everyHour(from: Date, to: Date, points: readonly SeriesPoint[]): HourPoint[] {
  const byHour = new Map(points.map((p) => [p.at, p]));
  const hours: HourPoint[] = [];
  for (let t = Math.ceil(from.getTime() / HOUR_MS) * HOUR_MS; t < to.getTime(); t += HOUR_MS) {
    const p = byHour.get(t);
    hours.push({
      hour: new Date(t).toISOString(),
      bookings: p?.bookings ?? 0,
      tickets: p?.tickets ?? 0,
      cancellations: p?.cancellations ?? 0,
      revenueCents: p?.revenueCents ?? 0,
    });
  }
  return hours;
}

/** Totals of one organization (if given), else of everything the caller reaches. */
interface Scoped {
  organizationId?: string | undefined;
}

export interface AnalyticsService {
  overview(
    principal: Principal,
    input: Scoped & { from?: string | undefined; to?: string | undefined },
  ): Promise<Overview>;
  event(
    principal: Principal,
    input: { eventId: string; from?: string; to?: string },
  ): Promise<EventAnalytics>;
  daily(
    principal: Principal,
    input: Scoped & { from: string; to: string; eventId?: string | undefined },
  ): Promise<DayPoint[]>;
  topEvents(
    principal: Principal,
    input: Scoped & {
      by: 'tickets' | 'revenue' | 'utilization';
      limit: number;
      from?: string | undefined;
      to?: string | undefined;
    },
  ): Promise<TopEvent[]>;
  /** The updates `principal` may follow with this input; throws (a typed refusal) for none. */
  liveScope(principal: Principal, input: LiveInput): Promise<LiveScope>;
  /**
   * An open stream's caller as they are now: narrows `scope` to what they still reach (the
   * stream stops carrying an organization they left) and throws once that is nothing. True when
   * it narrowed.
   */
  recheckLive(principal: Principal, input: LiveInput, scope: LiveScope): Promise<boolean>;
  /** The updates in `scope` after `lastEventId`; iterate until `signal` aborts. */
  live(
    scope: LiveScope,
    lastEventId: string | null | undefined,
    signal?: AbortSignal,
  ): AsyncIterable<LiveUpdate>;
}

type LiveInput = Scoped & { eventId?: string | undefined };

function window(input: { from?: string | undefined; to?: string | undefined }) {
  const from = input.from ? new Date(input.from) : undefined;
  const to = input.to ? new Date(input.to) : undefined;
  if (from && to && from.getTime() >= to.getTime()) {
    throw new AppError('VALIDATION_FAILED', 'from must be before to');
  }
  return { from, to };
}

/**
 * The analytics queries: one event's figures for whoever the policy lets read them; totals over
 * one organization or everything the caller reaches (every event for an admin). They read only
 * the read models the projection keeps, never bookings.
 */
export function createAnalyticsService(deps: {
  db: Kysely<Database>;
  hub: LiveHub;
  events: Pick<EventsService, 'get'>;
  roles: MemberRoles;
  now: () => Date;
}): AnalyticsService {
  const { db } = deps;

  /**
   * Totals cannot be checked event by event: they cover one organization the caller may read
   * figures of, or everything the policy lets them reach (undefined: every event).
   */
  async function reachOf(
    principal: Principal,
    organizationId: string | undefined,
  ): Promise<readonly string[] | undefined> {
    const roles = await deps.roles.of(principal);
    if (organizationId) {
      // An admin passes the policy for any id: one that names no organization is still unknown.
      if (isAdmin(principal) && !(await sourceRepository.organizationExists(db, organizationId))) {
        throw new AppError('NOT_FOUND', 'Organization not found');
      }
      authorize(principal, 'organization.readAnalytics', asMember({ organizationId }, roles));
      return [organizationId];
    }
    const reach = analyticsReach(principal, roles);
    if (!reach) throw new AppError('FORBIDDEN', 'You may read no organization’s figures');
    return reach.kind === 'all' ? undefined : reach.organizationIds;
  }

  /**
   * The event's figures if the caller may see them (with its detail, read in the same snapshot,
   * when asked). An event the projection has not reached yet (just created) has zero figures;
   * the events module says whether the caller may see it.
   */
  async function visibleFigures(
    principal: Principal,
    eventId: string,
    withDetail: boolean,
  ): Promise<{ stats: EventStats; detail: EventDetail | undefined }> {
    const row: (StatsRow & { organization_id: string | null; detail?: DetailSource }) | undefined =
      withDetail ? await repo.statsWithDetail(db, eventId) : await repo.stats(db, eventId);
    if (row) {
      // A deleted event's figures stay, readable by admins only.
      const facts = { organizationId: row.organization_id ?? '', status: row.status };
      authorize(principal, 'event.readAnalytics', asMember(facts, await deps.roles.of(principal)));
      return { stats: toEventStats(row), detail: row.detail && toEventDetail(row.detail) };
    }
    const event = await deps.events.get(principal, eventId);
    authorize(principal, 'event.readAnalytics', asMember(event, await deps.roles.of(principal)));
    // Its types and quotas exist already (every event sells at least General admission).
    const source = withDetail ? (await detailsOf(db, [eventId], 'all')).get(eventId) : undefined;
    const stats: EventStats = {
      eventId,
      capacity: event.capacity,
      ticketsSold: 0,
      confirmedBookings: 0,
      cancellations: 0,
      expirations: 0,
      revenueCents: 0,
      refundedCents: 0,
      pendingPaymentCents: 0,
      utilization: 0,
      waitlist: { joined: 0, waiting: 0, offered: 0, converted: 0 },
      updatedAt: event.updatedAt,
    };
    return { stats, detail: source && toEventDetail(source) };
  }

  const visibleStats = async (principal: Principal, eventId: string): Promise<EventStats> =>
    (await visibleFigures(principal, eventId, false)).stats;

  async function liveScope(principal: Principal, input: LiveInput): Promise<LiveScope> {
    if (input.eventId) {
      await visibleStats(principal, input.eventId);
      return { eventId: input.eventId };
    }
    return { organizationIds: await reachOf(principal, input.organizationId) };
  }

  const toTop = (row: StatsRow, index: number): TopEvent => {
    if (row.status === 'deleted') throw new Error('a deleted event ranked');
    return {
      rank: index + 1,
      eventId: row.event_id,
      title: row.title,
      status: row.status,
      startsAt: row.starts_at.toISOString(),
      capacity: row.capacity,
      ticketsSold: row.tickets_sold,
      revenueCents: Number(row.revenue_cents),
      utilization: utilization(row.tickets_sold, row.capacity),
    };
  };

  return {
    async overview(principal, input) {
      const { from, to } = window(input);
      const organizationIds = await reachOf(principal, input.organizationId);
      const totals = await repo.totals(db, { organizationIds, from, to });
      // Accounts are the platform's, not an organization's: only in the totals of every event.
      const users = organizationIds
        ? { total: 0, verified: 0 }
        : await repo.users(db, { from, to });
      return {
        events: { total: totals.total, published: totals.published },
        bookings: {
          confirmed: totals.confirmed,
          pending: totals.pending,
          cancelled: totals.cancelled,
          expired: totals.expired,
        },
        ticketsSold: totals.tickets,
        revenueCents: totals.revenue,
        users,
        utilization: utilization(totals.sellingTickets, totals.sellingCapacity),
        waitlist: { waiting: totals.waiting, offered: totals.offered, converted: totals.converted },
      };
    },

    async event(principal, input) {
      const { stats, detail } = await visibleFigures(principal, input.eventId, true);
      if (!detail) throw new Error(`no detail for event ${input.eventId}`);
      const to = input.to ? new Date(input.to) : deps.now();
      const from = input.from ? new Date(input.from) : new Date(to.getTime() - 7 * DAY_MS);
      window({ from: from.toISOString(), to: to.toISOString() });
      if (to.getTime() - from.getTime() > MAX_HOURLY_DAYS * DAY_MS) {
        throw new AppError(
          'VALIDATION_FAILED',
          `The hourly series spans at most ${MAX_HOURLY_DAYS} days`,
        );
      }
      const points = await repo.series(
        db,
        'hour',
        { kind: 'event', id: input.eventId },
        { from, to },
      );
      return { ...stats, ...detail, hourly: everyHour(from, to, points) };
    },

    async daily(principal, input) {
      const from = new Date(`${input.from}T00:00:00Z`);
      const end = new Date(`${input.to}T00:00:00Z`).getTime() + DAY_MS;
      let scope: SeriesScope;
      if (input.eventId) {
        await visibleStats(principal, input.eventId);
        scope = { kind: 'event', id: input.eventId };
      } else {
        const ids = await reachOf(principal, input.organizationId);
        scope = ids ? { kind: 'organization', ids } : { kind: 'all' };
      }
      const points = await repo.series(db, 'day', scope, { from, to: new Date(end) });
      const byDay = new Map(points.map((p) => [p.at, p]));
      // Every day of the range, quiet ones as zeros: a chart needs no gaps.
      const days: DayPoint[] = [];
      for (let t = from.getTime(); t < end; t += DAY_MS) {
        const p = byDay.get(t);
        days.push({
          day: new Date(t).toISOString().slice(0, 10),
          bookings: p?.bookings ?? 0,
          tickets: p?.tickets ?? 0,
          cancellations: p?.cancellations ?? 0,
          revenueCents: p?.revenueCents ?? 0,
          newUsers: p?.newUsers ?? 0,
        });
      }
      return days;
    },

    async topEvents(principal, input) {
      const { from, to } = window(input);
      const organizationIds = await reachOf(principal, input.organizationId);
      const rows = await repo.top(db, input.by, input.limit, { organizationIds, from, to });
      return rows.map(toTop);
    },

    liveScope,

    async recheckLive(principal, input, scope) {
      const now = await liveScope(principal, input);
      if (!now.organizationIds) return false;
      const before = scope.organizationIds;
      const kept = before
        ? before.filter((id) => now.organizationIds?.includes(id))
        : now.organizationIds;
      // An organizer's empty stream stays open; one that carried something ends with it.
      if (kept.length === 0 && (before === undefined || before.length > 0)) {
        throw new AppError('FORBIDDEN', 'You no longer read the figures this stream carries');
      }
      const narrowed = before === undefined || kept.length < before.length;
      scope.organizationIds = kept;
      return narrowed;
    },

    live(scope, lastEventId, signal) {
      return streamLive({ db, hub: deps.hub }, scope, lastEventId ?? undefined, signal);
    },
  };
}
