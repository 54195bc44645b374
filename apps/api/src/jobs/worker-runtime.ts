import type { DbHandle } from '@evently/db';
import { createWorker, type Platform } from '@evently/platform';
import type { Logger } from 'pino';
import { createEventsModule } from '../modules/events/events.module.js';
import { createConsumers } from './consumers.js';

export interface WorkerRuntime {
  stop(): Promise<void>;
}

/**
 * The modules' consumers and jobs, run by the platform's worker machinery (outbox relay,
 * reconciler, queue workers). This lives beside the modules because the jobs are theirs; the
 * worker process (apps/worker) only hosts it.
 *
 * The worker as both entry points run it: alone (`pnpm start:worker`) or inside the API process
 * (`pnpm start`). The caller owns the database and the platform and closes them after stop().
 */
export async function startWorkerRuntime(deps: {
  db: DbHandle;
  platform: Platform;
  log: Logger;
}): Promise<WorkerRuntime> {
  const events = createEventsModule({
    db: deps.db.db,
    platform: deps.platform,
    log: deps.log,
    now: () => new Date(),
  });
  const worker = createWorker({
    db: deps.db,
    queue: deps.platform.queue,
    log: deps.log,
    consumers: createConsumers({ mailer: deps.platform.mailer }),
    schedules: [
      {
        queue: 'jobs.events',
        name: 'complete-ended-events',
        everyMs: 60_000,
        handler: async () => {
          const completed = await events.completeEnded();
          if (completed > 0) deps.log.info({ completed }, 'events completed');
        },
      },
    ],
  });
  await worker.start();
  return { stop: () => worker.stop() };
}
