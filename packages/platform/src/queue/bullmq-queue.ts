import { setTimeout as delay } from 'node:timers/promises';
import { type Job, type JobsOptions, Queue, Worker } from 'bullmq';
import { createRedis, type RedisClient } from '../redis/redis-connection.js';
import { isClusterUrl } from '../redis/redis-target.js';
import type {
  JobContext,
  JobHandler,
  JobOptions,
  JobToAdd,
  QueueCounts,
  QueuePort,
  QueueWorker,
  WorkerOptions,
} from './queue.port.js';
import { assertQueueName, RETENTION, resolveJobOptions } from './queue-rules.js';

export interface BullmqQueueOptions {
  url: string;
  /**
   * BullMQ's own key prefix (keys become `<prefix>:<queue>:…`; on a cluster `<prefix>:{<queue>}:…`).
   * BullMQ refuses an ioredis `keyPrefix`, so isolation between deployments and test files goes
   * through this.
   */
  prefix: string;
  /** How long producers wait for the very first connection to Redis. Default 2 s. */
  connectGraceMs?: number;
  /**
   * How long a closing worker waits, once its handlers are done, for Redis to take their
   * outcome before it disconnects anyway (a job cut off there runs again: at-least-once).
   * Default 5 s.
   */
  closeGraceMs?: number;
  /** Errors not tied to a job (a connection lost, a failed lock renewal). Default: ignored. */
  onError?: (error: Error, queue: string) => void;
}

const seconds = (ms: number) => Math.round(ms / 1_000);

// Finished jobs stay known (their id deduplicates) for this long, then the id is free again.
const retention = {
  removeOnComplete: { age: seconds(RETENTION.completed.ageMs), count: RETENTION.completed.count },
  removeOnFail: { age: seconds(RETENTION.failed.ageMs), count: RETENTION.failed.count },
} satisfies JobsOptions;

function toBullmqOptions(options: JobOptions | undefined): JobsOptions {
  const resolved = resolveJobOptions(options);
  return {
    ...retention,
    ...(resolved.jobId === undefined ? {} : { jobId: resolved.jobId }),
    delay: resolved.delayMs,
    attempts: resolved.attempts,
    backoff: { type: 'exponential', delay: resolved.backoffMs },
  };
}

function toContext<T>(job: Job, attempt: number): JobContext<T> {
  return { id: job.id ?? '', name: job.name, data: job.data as T, attempt };
}

/**
 * BullMQ's scripts touch several keys of one queue at once; on a Redis Cluster they must share a
 * slot, so the queue's name becomes a hash tag (`{mail}`: keys `evently:bull:{mail}:…`). That is
 * one of the two ways BullMQ's docs give, the one that spreads queues over the masters (a tagged
 * prefix would put them all on one). Nothing here moves jobs between queues (no flows), which
 * would need one slot. A single server keeps the plain name, so an upgrade strands no job.
 */
export function bullmqQueueName(url: string, queue: string): string {
  return isClusterUrl(url) ? `{${queue}}` : queue;
}

/**
 * A 'command' connection has no offline queue, so a command sent while it is still making its
 * first connection fails at once. Producers wait for that first connection, a bounded time;
 * after it, a Redis that goes away fails every add immediately.
 */
function firstConnection(redis: RedisClient, graceMs: number): () => Promise<void> {
  let connected = redis.status === 'ready';
  const ready = new Promise<void>((resolve) => {
    redis.once('ready', () => {
      connected = true;
      resolve();
    });
  });
  return async () => {
    if (connected || redis.status === 'ready') return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([ready, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  };
}

/** Closes an ioredis client without waiting on a Redis that is away. */
async function closeRedis(redis: RedisClient): Promise<void> {
  if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
  else redis.disconnect();
}

/**
 * The production queue. Producers share one `command` connection (no offline queue: an add
 * while Redis is away rejects at once instead of hanging a request). Each worker gets its own
 * `blocking` connection (BullMQ duplicates it for its BZPOPMIN), which reconnects forever.
 */
export function createBullmqQueue(options: BullmqQueueOptions): QueuePort {
  const { url, prefix } = options;
  const bullmqName = (queue: string) => bullmqQueueName(url, queue);
  const onError = options.onError ?? (() => {});
  const command = createRedis(url, 'command');
  const connected = firstConnection(command, options.connectGraceMs ?? 2_000);
  const closeGraceMs = options.closeGraceMs ?? 5_000;
  const queues = new Map<string, Queue>();
  const workers = new Set<QueueWorker>();
  let closed = false;

  /** The cached Queue of that name, once the producer connection may be used. */
  async function producer(name: string): Promise<Queue> {
    if (closed) throw new Error('The queue is closed');
    assertQueueName(name);
    await connected();
    if (closed) throw new Error('The queue is closed');
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(bullmqName(name), {
        connection: command,
        prefix,
        // Without these two, a Queue created while Redis is away waits for it (or fails for
        // good on its version check) instead of failing each call fast until Redis is back.
        skipWaitingForReady: true,
        skipVersionCheck: true,
      });
      queue.on('error', (error) => onError(error, name));
      queues.set(name, queue);
    }
    return queue;
  }

  return {
    async add<T>(queue: string, job: JobToAdd<T>) {
      await (await producer(queue)).add(job.name, job.data, toBullmqOptions(job.options));
    },

    async addBulk<T>(queue: string, jobs: JobToAdd<T>[]) {
      if (jobs.length === 0) return;
      const bulk = jobs.map((job) => ({
        name: job.name,
        data: job.data,
        opts: toBullmqOptions(job.options),
      }));
      await (await producer(queue)).addBulk(bulk);
    },

    process<T>(queue: string, handler: JobHandler<T>, workerOptions: WorkerOptions = {}) {
      if (closed) throw new Error('The queue is closed');
      assertQueueName(queue);
      const connection = createRedis(url, 'blocking');
      // The handlers in flight, so close() knows when the work itself is over.
      const running = new Set<Promise<void>>();
      const worker = new Worker(
        bullmqName(queue),
        async (job: Job) => {
          // attemptsMade counts finished tries, so the running one is attemptsMade + 1.
          const run = handler(toContext<T>(job, job.attemptsMade + 1));
          running.add(run);
          try {
            await run;
          } finally {
            running.delete(run);
          }
        },
        { connection, prefix, concurrency: workerOptions.concurrency ?? 1 },
      );
      worker.on('error', (error) => onError(error, queue));
      worker.on('failed', (job, error) => {
        if (!job || !workerOptions.onFailed) return;
        // 'failed' fires on every failed try; only the last one is the port's "failed".
        if (job.attemptsMade >= (job.opts.attempts ?? 1)) {
          workerOptions.onFailed(toContext<unknown>(job, job.attemptsMade), error);
        }
      });
      let closing: Promise<void> | undefined;
      const handle: QueueWorker = {
        close() {
          closing ??= (async () => {
            // Stop fetching and let the active jobs finish; then BullMQ records their outcome
            // and quits its connections, which waits forever on a Redis that is away.
            const graceful = worker.close().then(
              () => true,
              (error: Error) => {
                onError(error, queue);
                return true;
              },
            );
            await Promise.allSettled([...running]);
            const done = await Promise.race([graceful, delay(closeGraceMs).then(() => false)]);
            // Not awaited: with Redis away it waits for an 'end' that never comes, but the
            // sockets are dropped and reconnecting stops, so the process can exit.
            if (!done) void worker.disconnect().catch(() => {});
            await closeRedis(connection);
            workers.delete(handle);
          })();
          return closing;
        },
      };
      workers.add(handle);
      return handle;
    },

    async repeat(queue: string, name: string, everyMs: number) {
      await (await producer(queue)).upsertJobScheduler(
        name,
        { every: everyMs },
        // One try per tick: the next tick is the retry.
        { name, data: {}, opts: { ...retention, attempts: 1 } },
      );
    },

    async counts(queue: string): Promise<QueueCounts> {
      const counts = await (await producer(queue)).getJobCounts(
        'waiting',
        'active',
        'delayed',
        'failed',
      );
      return {
        waiting: counts.waiting ?? 0,
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...workers].map((worker) => worker.close()));
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      queues.clear();
      await closeRedis(command);
    },
  };
}
