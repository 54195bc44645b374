import type { DbHandle } from '@evently/db';
import { createWorker, type QueuePort } from '@evently/platform';
import type { Logger } from 'pino';
import type { BackgroundLoop } from '../kernel/module.js';
import type { WorkerParts } from './create-modules.js';

export interface WorkerRuntime {
  stop(): Promise<void>;
}

/**
 * Runs what the modules gave the worker (`createModules().worker`) on the platform's worker
 * machinery: the outbox relay and reconciler, a queue worker per consumer and job queue, the
 * schedules, and the modules' own loops (the mail sender).
 *
 * Both entry points run it: alone (`pnpm start:worker`) or inside the API process (`pnpm
 * start`). The caller owns the database, the ports and the modules, and closes them after stop().
 */
export async function startWorkerRuntime(deps: {
  db: DbHandle;
  queue: QueuePort;
  parts: WorkerParts;
  log: Logger;
}): Promise<WorkerRuntime> {
  const { parts } = deps;
  const worker = createWorker({
    db: deps.db,
    queue: deps.queue,
    log: deps.log,
    consumers: parts.consumers,
    jobs: parts.jobs,
    schedules: parts.schedules,
  });
  await worker.start();
  const started: BackgroundLoop[] = [];
  try {
    for (const loop of parts.loops) {
      await loop.start();
      started.push(loop);
    }
  } catch (error) {
    await worker.stop();
    for (const loop of started) await loop.stop();
    throw error;
  }
  return {
    async stop() {
      await worker.stop();
      for (const loop of started) await loop.stop();
    },
  };
}
