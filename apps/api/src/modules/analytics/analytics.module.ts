import type { Database } from '@evently/db';
import type { PubSubPort, QueuePort } from '@evently/platform';
import type { Kysely } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import type { RequestLog } from '../../kernel/log.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import type { Module } from '../../kernel/module.js';
import type { EventsService } from '../events/events.service.js';
import { createAnalyticsConsumer } from './analytics.consumer.js';
import { type AnalyticsService, createAnalyticsService } from './analytics.service.js';
import { liveRepository } from './live.repository.js';
import { createLiveHub } from './live-hub.js';
import { rebuildAnalytics } from './rebuild.js';

export const ANALYTICS_JOBS_QUEUE = 'jobs.analytics';
/** The batch job that recomputes every read model (enqueue it, or run `pnpm analytics:rebuild`). */
export const REBUILD_JOB = 'rebuild-projections';
const PRUNE_JOB = 'prune-live-updates';
/** How long a disconnected client can resume from the log (further behind: current figures). */
export const LIVE_RETENTION_MS = 24 * 3_600_000;

/** Asks a worker to run the rebuild (one job however often it is asked within a run). */
export async function enqueueRebuild(queue: QueuePort, now: Date): Promise<void> {
  await queue.add(ANALYTICS_JOBS_QUEUE, {
    name: REBUILD_JOB,
    data: {},
    options: { jobId: `rebuild.${now.getTime()}`, attempts: 3 },
  });
}

/**
 * Analytics: the queries and the live stream (one pub/sub subscription per process, closed on
 * shutdown), and for the worker the projection, the rebuild job and the live log's pruning.
 */
export function createAnalyticsModule(deps: {
  db: Kysely<Database>;
  pubsub: PubSubPort;
  events: Pick<EventsService, 'get'>;
  roles: MemberRoles;
  log: RequestLog;
  now: Clock;
}): Module<AnalyticsService> {
  const hub = createLiveHub({ db: deps.db, pubsub: deps.pubsub, log: deps.log });
  return {
    service: createAnalyticsService({
      db: deps.db,
      hub,
      events: deps.events,
      roles: deps.roles,
      now: deps.now,
    }),
    consumers: [createAnalyticsConsumer(deps)],
    jobs: [
      {
        queue: ANALYTICS_JOBS_QUEUE,
        name: REBUILD_JOB,
        handler: async () => void (await rebuildAnalytics(deps)),
      },
    ],
    schedules: [
      {
        queue: ANALYTICS_JOBS_QUEUE,
        name: PRUNE_JOB,
        everyMs: 3_600_000,
        handler: async () => {
          const pruned = await liveRepository.prune(
            deps.db,
            new Date(deps.now().getTime() - LIVE_RETENTION_MS),
          );
          if (pruned > 0) deps.log.info({ pruned }, 'old analytics live updates pruned');
        },
      },
    ],
    close: () => hub.close(),
  };
}
