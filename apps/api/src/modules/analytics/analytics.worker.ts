import type { Database } from '@evently/db';
import type { Consumer, JobHandlerSpec, PubSubPort, QueuePort, Schedule } from '@evently/platform';
import type { Kysely } from 'kysely';
import type { RequestLog } from '../../kernel/log.js';
import { createAnalyticsConsumer } from './analytics.consumer.js';
import { liveRepository } from './live.repository.js';
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

/** What the worker runs for analytics: the projection, the rebuild job and the log's pruning. */
export function createAnalyticsWorker(deps: {
  db: Kysely<Database>;
  pubsub: PubSubPort;
  log: RequestLog;
  now: () => Date;
}): { consumer: Consumer; jobs: JobHandlerSpec[]; schedules: Schedule[] } {
  return {
    consumer: createAnalyticsConsumer(deps),
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
  };
}
