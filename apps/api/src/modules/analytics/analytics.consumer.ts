import type { DomainEvent } from '@evently/contracts';
import type { Database } from '@evently/db';
import { type Consumer, defineConsumer, type PubSubPort } from '@evently/platform';
import type { Transaction } from 'kysely';
import type { RequestLog } from '../../trpc/context.js';
import { toEventStats } from './analytics.mappers.js';
import {
  analyticsTopics,
  bucketsOf,
  type Projection,
  project,
  type SeriesClock,
  type SeriesDelta,
} from './analytics.projector.js';
import { lockProjectionShared } from './analytics-lock.js';
import { LIVE_CHANNEL, type LiveMessage } from './live-message.js';
import {
  ALL_SCOPE,
  projectionRepository as repo,
  type SeriesRow,
} from './projection.repository.js';
import { type EventMeta, sourceRepository as source } from './source.repository.js';

export const ANALYTICS_CONSUMER = 'analytics';

/** The source facts an event's projection needs: its event's fields and its row's instants. */
async function factsOf(
  trx: Transaction<Database>,
  event: DomainEvent,
  change: Projection,
): Promise<{ meta: EventMeta | undefined; clocks: Partial<Record<SeriesClock, Date | null>> }> {
  const clocks: Partial<Record<SeriesClock, Date | null>> = {};
  let meta: EventMeta | undefined;
  if ('bookingId' in event.payload && event.topic.startsWith('booking.')) {
    const found = await source.bookingWithEvent(trx, event.payload.bookingId);
    meta = found?.meta;
    clocks.confirmed = found?.clock.confirmedAt;
    clocks.cancelled = found?.clock.cancelledAt;
  }
  if (!meta && change.eventId) meta = await source.eventMeta(trx, change.eventId);
  if (event.topic.startsWith('user.') && 'userId' in event.payload) {
    const user = await source.userClock(trx, event.payload.userId);
    clocks.registered = user?.registeredAt;
    clocks.verified = user?.verifiedAt;
  }
  return { meta, clocks };
}

const granularityRank = { hour: 0, day: 1 } as const;
const scopeRank = { event: 0, organizer: 1, all: 2 } as const;

/**
 * The series rows a change touches, merged per bucket and sorted (hour before day, event before
 * organizer before all): every projection transaction locks series rows in the same order.
 */
function seriesRows(
  change: Projection,
  meta: EventMeta | undefined,
  clocks: Partial<Record<SeriesClock, Date | null>>,
  occurredAt: Date,
): SeriesRow[] {
  const rows = new Map<string, SeriesRow>();
  for (const entry of change.series) {
    // The row's own instant (what a rebuild uses), else when the event was appended.
    const { hour, day } = bucketsOf(clocks[entry.clock] ?? occurredAt);
    const scopes: Array<Pick<SeriesRow, 'scopeKind' | 'scopeId'>> = [];
    if (entry.perEvent && meta) {
      scopes.push({ scopeKind: 'event', scopeId: meta.eventId });
      scopes.push({ scopeKind: 'organizer', scopeId: meta.organizerId });
    }
    scopes.push({ scopeKind: 'all', scopeId: ALL_SCOPE });
    for (const granularity of ['hour', 'day'] as const) {
      const bucket = granularity === 'hour' ? hour : day;
      for (const scope of scopes) {
        const key = `${granularity}|${scope.scopeKind}|${scope.scopeId}|${bucket.toISOString()}`;
        const row = rows.get(key);
        if (!row) {
          rows.set(key, { granularity, ...scope, bucket, delta: { ...entry.delta } });
          continue;
        }
        for (const k of Object.keys(row.delta) as (keyof SeriesDelta)[]) {
          row.delta[k] += entry.delta[k];
        }
      }
    }
  }
  return [...rows.values()].sort(
    (a, b) =>
      granularityRank[a.granularity] - granularityRank[b.granularity] ||
      scopeRank[a.scopeKind] - scopeRank[b.scopeKind] ||
      a.scopeId.localeCompare(b.scopeId) ||
      a.bucket.getTime() - b.bucket.getTime(),
  );
}

/**
 * Applies one event to the read models inside the delivery transaction. Locks are taken in one
 * order by every projection transaction — waitlist entry, event row, series rows, live cursor —
 * so concurrent deliveries never deadlock; the hot rows (overall series, the cursor) come last,
 * to be held for as short a time as possible. Returns the live update to broadcast, if any.
 */
export async function applyEvent(
  trx: Transaction<Database>,
  event: DomainEvent,
  now: Date,
): Promise<LiveMessage | undefined> {
  const change = project(event);
  const { meta, clocks } = await factsOf(trx, event, change);
  if (change.eventId && !meta) {
    // The event row is gone: a deleted draft (it never had bookings). It has no figures.
    await repo.deleteStats(trx, change.eventId);
    return undefined;
  }
  const stats = change.stats && { ...change.stats };
  if (change.waitlist && meta) {
    if (change.waitlist.move === 'joined') {
      await repo.entryJoined(trx, change.waitlist.entryId, meta.eventId);
    } else if (stats && (await repo.entryLeftWaiting(trx, change.waitlist.entryId, meta.eventId))) {
      stats.waitlist_waiting -= 1;
    }
  }
  const row = meta && stats ? await repo.upsertStats(trx, meta, stats, now) : undefined;
  await repo.addSeries(trx, seriesRows(change, meta, clocks, new Date(event.occurredAt)));
  if (!row || !change.live) return undefined;
  const update = { eventId: row.event_id, organizerId: row.organizer_id, stats: toEventStats(row) };
  return { seq: await repo.appendLiveUpdate(trx, update), ...update };
}

/** Broadcasts an update; a lost one is found by every hub's catch-up from the log. */
export async function publishLive(
  pubsub: PubSubPort,
  update: LiveMessage,
  log: RequestLog,
): Promise<void> {
  try {
    await pubsub.publish(LIVE_CHANNEL, JSON.stringify(update));
  } catch (error) {
    log.warn(
      { err: error, seq: update.seq },
      'analytics live update not broadcast; hubs catch up from the log',
    );
  }
}

/**
 * The projection: folds domain events into the analytics read models, exactly once per event
 * (the delivery's processed_events claim and the effect share one transaction), then broadcasts
 * the event's new figures after commit.
 */
export function createAnalyticsConsumer(deps: {
  pubsub: PubSubPort;
  log: RequestLog;
  now: () => Date;
}): Consumer {
  return defineConsumer({
    name: ANALYTICS_CONSUMER,
    topics: analyticsTopics,
    async handle(trx, event) {
      await lockProjectionShared(trx);
      // A rebuild that ran after this event committed has counted it already.
      if (await repo.takeCovered(trx, event.id)) return;
      const update = await applyEvent(trx, event, deps.now());
      if (update) return () => publishLive(deps.pubsub, update, deps.log);
    },
  });
}
