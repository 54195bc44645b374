import type { DbHandle } from '@evently/db';
import type { Logger } from 'pino';
import { type Consumer, consumerQueueName, deliverEvent } from '../outbox/consumer.js';
import { createGroupCommit } from '../outbox/group-commit.js';
import { createPollLoop } from '../outbox/poll-loop.js';
import { createOutboxReconciler, type OutboxReconcilerOptions } from '../outbox/reconciler.js';
import { createOutboxRelay, type OutboxRelayOptions } from '../outbox/relay.js';
import type { JobContext, QueuePort, QueueWorker } from '../queue/queue.port.js';
import { createDatabaseWait } from './database-wait.js';

/** A handler for the jobs named `name` on `queue` (one-off jobs, such as a delayed expiry). */
export interface JobHandlerSpec {
  queue: string;
  name: string;
  handler(job: JobContext<unknown>): Promise<void>;
}

/** A job the queue runs every `everyMs`, on one worker process of the deployment. */
export interface Schedule extends JobHandlerSpec {
  everyMs: number;
}

export interface CreateWorkerOptions {
  db: DbHandle;
  queue: QueuePort;
  log: Logger;
  consumers: readonly Consumer[];
  /** `false`: this process relays nothing (another one does). */
  relay?: false | Pick<OutboxRelayOptions, 'batchSize' | 'pollIntervalMs'>;
  /** `false`: this process reconciles nothing. */
  reconciler?: false | Pick<OutboxReconcilerOptions, 'deadlineMs' | 'intervalMs' | 'batchSize'>;
  schedules?: readonly Schedule[];
  /** Handlers of one-off jobs that modules enqueue themselves. */
  jobs?: readonly JobHandlerSpec[];
  /** Jobs each consumer runs at once in this process (unless it sets its own). Default 4. */
  concurrency?: number;
  /** How often schedules are registered again (they live in Redis). Default 60 s. */
  scheduleRefreshMs?: number;
}

export interface Worker {
  start(): Promise<void>;
  /** Stops polling, then waits for the active jobs. Leaves the db and queue open (not its own). */
  stop(): Promise<void>;
}

/**
 * The worker: the outbox relay, the reconciler, one queue worker per consumer and the
 * repeatable jobs. Any number of these may run against one database and one Redis.
 *
 * The reconciler runs on a timer in every process, not as a repeatable job: it exists to repair
 * what Redis lost, so it must not live in Redis. Several reconcilers share the work through
 * `SKIP LOCKED`. Schedules, which do live in Redis, are registered again every
 * `scheduleRefreshMs` (an upsert that keeps their rhythm), so a Redis that restarted empty gets
 * them back without a deploy.
 */
export function createWorker(options: CreateWorkerOptions): Worker {
  const { db, queue, log, consumers } = options;
  const schedules = options.schedules ?? [];
  const concurrency = options.concurrency ?? 4;
  const relay =
    options.relay === false
      ? undefined
      : createOutboxRelay({ db, queue, consumers, log, ...options.relay });
  const reconciler =
    options.reconciler === false
      ? undefined
      : createOutboxReconciler({ db, queue, consumers, log, ...options.reconciler });
  const scheduleKeeper = createPollLoop({
    intervalMs: options.scheduleRefreshMs ?? 60_000,
    tick: async () => {
      await Promise.all(schedules.map((s) => queue.repeat(s.queue, s.name, s.everyMs)));
      return false;
    },
    onError: (error) => log.warn({ err: error }, 'cannot register schedules; will retry'),
  });
  const workers: QueueWorker[] = [];
  // Jobs met by a database outage wait for it instead of spending their tries.
  const databaseWait = createDatabaseWait(log);
  let started = false;

  function consume(consumer: Consumer): QueueWorker {
    // A consumer with handleBatch commits the events of its concurrent jobs together.
    const group = consumer.handleBatch ? createGroupCommit(db.db, consumer) : undefined;
    return queue.process(
      consumerQueueName(consumer.name),
      async (job) => {
        // Idempotent (processed_events), so running it again after an outage is safe.
        const outcome = await databaseWait.run(() =>
          group ? group.deliver(job.data) : deliverEvent(db.db, consumer, job.data),
        );
        if (outcome !== 'applied') {
          log.debug({ consumer: consumer.name, jobId: job.id, outcome }, 'event not applied');
        }
      },
      {
        concurrency: consumer.concurrency ?? concurrency,
        onFailed: (job, error) =>
          log.error(
            { err: error, consumer: consumer.name, jobId: job.id, attempts: job.attempt },
            'event delivery failed; the reconciler will enqueue it again',
          ),
      },
    );
  }

  function runJobs(queueName: string, list: JobHandlerSpec[]): QueueWorker {
    const byName = new Map(list.map((s) => [s.name, s]));
    return queue.process(
      queueName,
      async (job) => {
        const schedule = byName.get(job.name);
        if (!schedule)
          return log.warn({ queue: queueName, job: job.name }, 'unknown scheduled job');
        // Module jobs and schedules are written to run again (expiry if due, sweeps).
        await databaseWait.run(() => schedule.handler(job));
      },
      {
        onFailed: (job, error) =>
          log.error({ err: error, queue: queueName, job: job.name }, 'scheduled job failed'),
      },
    );
  }

  return {
    async start() {
      if (started) return;
      started = true;
      for (const consumer of consumers) workers.push(consume(consumer));
      // (No Map.groupBy: Node 20 lacks it.)
      const byQueue = new Map<string, JobHandlerSpec[]>();
      for (const s of [...schedules, ...(options.jobs ?? [])]) {
        byQueue.set(s.queue, [...(byQueue.get(s.queue) ?? []), s]);
      }
      for (const [queueName, list] of byQueue) workers.push(runJobs(queueName, list));
      if (schedules.length > 0) scheduleKeeper.start();
      await relay?.start();
      await reconciler?.start();
      log.info(
        { consumers: consumers.map((c) => c.name), schedules: schedules.map((s) => s.name) },
        'worker started',
      );
    },

    async stop() {
      if (!started) return;
      started = false;
      databaseWait.abort();
      await Promise.all([relay?.stop(), reconciler?.stop(), scheduleKeeper.stop()]);
      await Promise.all(workers.splice(0).map((worker) => worker.close()));
      log.info('worker stopped');
    },
  };
}
