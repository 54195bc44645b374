import type {
  JobContext,
  JobHandler,
  JobToAdd,
  QueueCounts,
  QueuePort,
  QueueWorker,
  WorkerOptions,
} from './queue.port.js';
import { assertQueueName, backoffDelay, RETENTION, resolveJobOptions } from './queue-rules.js';

interface StoredJob {
  id: string;
  name: string;
  data: unknown;
  attempts: number;
  backoffMs: number;
  /** Finished tries so far. */
  attemptsMade: number;
}

interface LocalWorker {
  handler: JobHandler<unknown>;
  concurrency: number;
  onFailed: WorkerOptions['onFailed'];
  running: Set<Promise<void>>;
  closing: boolean;
}

interface RepeatEntry {
  everyMs: number;
  timer: ReturnType<typeof setInterval>;
  /** The tick job not finished yet, if any. */
  pendingId?: string | undefined;
}

interface LocalQueue {
  waiting: StoredJob[];
  delayed: Map<string, ReturnType<typeof setTimeout>>;
  active: Set<string>;
  /** Ids of jobs waiting, delayed or active. */
  pending: Set<string>;
  /** Finished job ids -> finish time; insertion order is finish order. */
  completed: Map<string, number>;
  failed: Map<string, number>;
  workers: LocalWorker[];
  pumpScheduled: boolean;
}

function remember(
  finished: Map<string, number>,
  id: string,
  limit: { ageMs: number; count: number },
) {
  const now = Date.now();
  finished.delete(id);
  finished.set(id, now);
  for (const [oldId, at] of finished) {
    if (finished.size <= limit.count && now - at <= limit.ageMs) break;
    finished.delete(oldId);
  }
}

/**
 * The embedded queue: an in-process runner with BullMQ's semantics (id dedupe while the job is
 * known, delays, attempts with exponential backoff, per-worker concurrency, one pending tick per
 * repeatable job, graceful close). Jobs live in memory: a restart forgets them, which the outbox
 * reconciler repairs exactly as it does for a Redis that lost its data.
 */
export function createMemoryQueue(): QueuePort {
  const queues = new Map<string, LocalQueue>();
  const repeats = new Map<string, RepeatEntry>();
  let nextId = 0;
  let closed = false;

  function assertOpen() {
    if (closed) throw new Error('The queue is closed');
  }

  function queueFor(name: string): LocalQueue {
    assertQueueName(name);
    let queue = queues.get(name);
    if (!queue) {
      queue = {
        waiting: [],
        delayed: new Map(),
        active: new Set(),
        pending: new Set(),
        completed: new Map(),
        failed: new Map(),
        workers: [],
        pumpScheduled: false,
      };
      queues.set(name, queue);
    }
    return queue;
  }

  function isKnown(queue: LocalQueue, id: string): boolean {
    return queue.pending.has(id) || queue.completed.has(id) || queue.failed.has(id);
  }

  function enqueue(
    queueName: string,
    job: JobToAdd<unknown>,
    internalId?: string,
  ): string | undefined {
    const queue = queueFor(queueName);
    const options = resolveJobOptions(job.options);
    const id = internalId ?? options.jobId ?? `${++nextId}`;
    if (isKnown(queue, id)) return undefined;
    const stored: StoredJob = {
      id,
      name: job.name,
      data: job.data,
      attempts: options.attempts,
      backoffMs: options.backoffMs,
      attemptsMade: 0,
    };
    queue.pending.add(id);
    if (options.delayMs > 0) delay(queue, stored, options.delayMs);
    else {
      queue.waiting.push(stored);
      schedulePump(queue);
    }
    return id;
  }

  function delay(queue: LocalQueue, job: StoredJob, ms: number) {
    const timer = setTimeout(() => {
      queue.delayed.delete(job.id);
      queue.waiting.push(job);
      schedulePump(queue);
    }, ms);
    queue.delayed.set(job.id, timer);
  }

  // Jobs start on a later tick, never inside the producer's call (which may hold a transaction).
  function schedulePump(queue: LocalQueue) {
    if (queue.pumpScheduled) return;
    queue.pumpScheduled = true;
    setImmediate(() => {
      queue.pumpScheduled = false;
      pump(queue);
    });
  }

  function pump(queue: LocalQueue) {
    for (const worker of queue.workers) {
      while (!worker.closing && worker.running.size < worker.concurrency) {
        const job = queue.waiting.shift();
        if (!job) return;
        run(queue, worker, job);
      }
    }
  }

  async function execute(queue: LocalQueue, worker: LocalWorker, job: StoredJob) {
    const attempt = job.attemptsMade + 1;
    const context: JobContext<unknown> = { id: job.id, name: job.name, data: job.data, attempt };
    try {
      await worker.handler(context);
      queue.pending.delete(job.id);
      remember(queue.completed, job.id, RETENTION.completed);
    } catch (error) {
      job.attemptsMade = attempt;
      if (attempt < job.attempts) {
        // A closed runner has nowhere to keep the retry: it is forgotten, like every job.
        if (closed) queue.pending.delete(job.id);
        else delay(queue, job, backoffDelay(job.backoffMs, attempt));
        return;
      }
      queue.pending.delete(job.id);
      remember(queue.failed, job.id, RETENTION.failed);
      try {
        worker.onFailed?.(context, error);
      } catch {
        // A failing failure callback must not take the runner down.
      }
    }
  }

  function run(queue: LocalQueue, worker: LocalWorker, job: StoredJob) {
    queue.active.add(job.id);
    const running: Promise<void> = execute(queue, worker, job).finally(() => {
      queue.active.delete(job.id);
      worker.running.delete(running);
      schedulePump(queue);
    });
    worker.running.add(running);
  }

  async function closeWorker(queue: LocalQueue, worker: LocalWorker) {
    worker.closing = true;
    queue.workers = queue.workers.filter((w) => w !== worker);
    await Promise.all(worker.running);
  }

  return {
    async add<T>(queue: string, job: JobToAdd<T>) {
      assertOpen();
      enqueue(queue, job);
    },

    async addBulk<T>(queue: string, jobs: JobToAdd<T>[]) {
      assertOpen();
      // Validate every job first: like BullMQ's addBulk, all or nothing.
      for (const job of jobs) resolveJobOptions(job.options);
      for (const job of jobs) enqueue(queue, job);
    },

    process<T>(queueName: string, handler: JobHandler<T>, options: WorkerOptions = {}) {
      assertOpen();
      const queue = queueFor(queueName);
      const worker: LocalWorker = {
        handler: handler as JobHandler<unknown>,
        concurrency: options.concurrency ?? 1,
        onFailed: options.onFailed,
        running: new Set(),
        closing: false,
      };
      queue.workers.push(worker);
      schedulePump(queue);
      let closing: Promise<void> | undefined;
      return {
        close() {
          closing ??= closeWorker(queue, worker);
          return closing;
        },
      } satisfies QueueWorker;
    },

    async repeat(queueName: string, name: string, everyMs: number) {
      assertOpen();
      const queue = queueFor(queueName);
      const key = `${queueName}\u0000${name}`;
      const previous = repeats.get(key);
      // Registering the same schedule again keeps its rhythm (a BullMQ upsert does too), so a
      // caller may re-register periodically; another interval replaces it.
      if (previous?.everyMs === everyMs) return;
      if (previous) clearInterval(previous.timer);
      const entry: RepeatEntry = { everyMs, timer: setInterval(() => tick(), everyMs) };
      // Like a BullMQ job scheduler: the first run is due at once, and a tick whose previous
      // run has not started yet adds nothing (no pile-up while no worker listens).
      const tick = () => {
        if (
          entry.pendingId &&
          queue.pending.has(entry.pendingId) &&
          !queue.active.has(entry.pendingId)
        ) {
          return;
        }
        entry.pendingId = enqueue(
          queueName,
          { name, data: {}, options: { attempts: 1 } },
          `repeat.${name}.${++nextId}`,
        );
      };
      repeats.set(key, entry);
      tick();
    },

    async counts(queueName: string): Promise<QueueCounts> {
      const queue = queueFor(queueName);
      return {
        waiting: queue.waiting.length,
        active: queue.active.size,
        delayed: queue.delayed.size,
        failed: queue.failed.size,
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const { timer } of repeats.values()) clearInterval(timer);
      repeats.clear();
      const closing: Promise<void>[] = [];
      for (const queue of queues.values()) {
        for (const timer of queue.delayed.values()) clearTimeout(timer);
        queue.delayed.clear();
        for (const worker of queue.workers) closing.push(closeWorker(queue, worker));
      }
      await Promise.all(closing);
    },
  };
}
