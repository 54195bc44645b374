import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deferred } from '../testing/deferred.js';
import { sharedRedisCluster, stopSharedRedisCluster } from '../testing/redis-cluster.js';
import { deleteKeysByPrefix } from '../testing/redis-keys.js';
import { TEST_REDIS_URL } from '../testing/test-redis.js';
import { createBullmqQueue } from './bullmq-queue.js';
import { createMemoryQueue } from './memory-queue.js';
import type { JobContext, QueuePort } from './queue.port.js';

/** Polls wait in seconds, not vitest's default 1 s: the machine running them may be loaded. */
const POLL_TIMEOUT_MS = 15_000;

// BullMQ's prefix (keys are `<prefix>:<queue>:…`), unique to this run.
const prefix = `t:${randomUUID()}`;

const implementations: [string, () => QueuePort][] = [
  ['memory', () => createMemoryQueue()],
  ['bullmq', () => createBullmqQueue({ url: TEST_REDIS_URL, prefix })],
  ['bullmq on a redis cluster', () => createBullmqQueue({ url: clusterUrl, prefix })],
];

// The cluster's url, known once it has started.
let clusterUrl = '';
beforeAll(async () => {
  clusterUrl = (await sharedRedisCluster()).url;
});

afterAll(async () => {
  await stopSharedRedisCluster();
  // Only this file's keys: the shared Redis is never flushed.
  const redis = new Redis(TEST_REDIS_URL);
  await deleteKeysByPrefix(redis, `${prefix}:`);
  await redis.quit();
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(implementations)('%s queue (contract)', (_kind, make) => {
  const open: QueuePort[] = [];
  let n = 0;
  // A queue name of its own per test, so one test's leftovers never reach another.
  const queueName = () => `q${++n}-${randomUUID().slice(0, 8)}`;
  const port = () => {
    const queue = make();
    open.push(queue);
    return queue;
  };

  afterEach(async () => {
    await Promise.all(open.splice(0).map((queue) => queue.close()));
  });

  it('processes an added job once, on its first attempt', async () => {
    const queue = port();
    const q = queueName();
    const seen: JobContext<{ n: number }>[] = [];
    queue.process<{ n: number }>(q, async (job) => {
      seen.push(job);
    });
    await queue.add(q, { name: 'greet', data: { n: 1 }, options: { jobId: 'job-a' } });
    await expect.poll(() => seen.length, { timeout: POLL_TIMEOUT_MS }).toBe(1);
    expect(seen[0]).toEqual({ id: 'job-a', name: 'greet', data: { n: 1 }, attempt: 1 });
  });

  it('adds jobs in bulk', async () => {
    const queue = port();
    const q = queueName();
    const seen = new Set<number>();
    queue.process<{ n: number }>(
      q,
      async (job) => {
        seen.add(job.data.n);
      },
      { concurrency: 5 },
    );
    await queue.addBulk(
      q,
      Array.from({ length: 50 }, (_, i) => ({ name: 'bulk', data: { n: i } })),
    );
    await expect.poll(() => seen.size, { timeout: POLL_TIMEOUT_MS }).toBe(50);
  });

  it('ignores a job id it already knows, before and after the job ran', async () => {
    const queue = port();
    const q = queueName();
    await queue.add(q, { name: 'a', data: 1, options: { jobId: 'same' } });
    await queue.add(q, { name: 'a', data: 2, options: { jobId: 'same' } });
    expect((await queue.counts(q)).waiting).toBe(1);

    const seen: string[] = [];
    queue.process<number>(q, async (job) => {
      seen.push(`${job.id}=${job.data}`);
    });
    await expect.poll(() => seen.length, { timeout: POLL_TIMEOUT_MS }).toBe(1);
    await queue.addBulk(q, [
      { name: 'a', data: 3, options: { jobId: 'same' } },
      { name: 'next', data: 4, options: { jobId: 'next' } },
    ]);
    // One worker, FIFO: had the repeated id been accepted it would run before 'next'.
    await expect.poll(() => seen.length, { timeout: POLL_TIMEOUT_MS }).toBe(2);
    expect(seen).toEqual(['same=1', 'next=4']);
  });

  it('runs a delayed job no earlier than its delay', async () => {
    const queue = port();
    const q = queueName();
    let ranAt = 0;
    queue.process(q, async () => {
      ranAt = Date.now();
    });
    const addedAt = Date.now();
    await queue.add(q, { name: 'later', data: null, options: { delayMs: 400 } });
    expect((await queue.counts(q)).delayed).toBe(1);
    await expect.poll(() => ranAt, { timeout: 5_000 }).toBeGreaterThan(0);
    // A few ms of slack for clock granularity between Redis and Node.
    expect(ranAt - addedAt).toBeGreaterThanOrEqual(390);
  });

  it('retries with exponential backoff and passes attempt numbers 1..n', async () => {
    const queue = port();
    const q = queueName();
    const attempts: { attempt: number; at: number }[] = [];
    const failed: unknown[] = [];
    queue.process(
      q,
      async (job) => {
        attempts.push({ attempt: job.attempt, at: Date.now() });
        if (job.attempt < 4) throw new Error(`fail ${job.attempt}`);
      },
      { onFailed: (_job, error) => failed.push(error) },
    );
    await queue.add(q, { name: 'flaky', data: null, options: { attempts: 5, backoffMs: 50 } });
    await expect.poll(() => attempts.length, { timeout: 10_000 }).toBe(4);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    const gaps = attempts.slice(1).map((a, i) => a.at - (attempts[i]?.at ?? 0));
    // base * 2^(n-1): 50, 100, 200 ms (minus a little scheduling slack).
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[1]).toBeGreaterThanOrEqual(95);
    expect(gaps[2]).toBeGreaterThanOrEqual(190);
    expect(failed).toEqual([]);
    expect((await queue.counts(q)).failed).toBe(0);
  });

  it('calls onFailed once, after the last attempt', async () => {
    const queue = port();
    const q = queueName();
    let tries = 0;
    const failed: { job: JobContext<unknown>; error: unknown }[] = [];
    queue.process(
      q,
      async () => {
        tries++;
        throw new Error('always');
      },
      { onFailed: (job, error) => failed.push({ job, error }) },
    );
    await queue.add(q, {
      name: 'doomed',
      data: { x: 1 },
      options: { jobId: 'doomed-1', attempts: 3, backoffMs: 10 },
    });
    await expect.poll(() => failed.length, { timeout: 10_000 }).toBe(1);
    expect(tries).toBe(3);
    expect(failed[0]?.job).toMatchObject({ id: 'doomed-1', name: 'doomed', data: { x: 1 } });
    expect(failed[0]?.job.attempt).toBe(3);
    expect(failed[0]?.error).toEqual(new Error('always'));
    await expect
      .poll(async () => (await queue.counts(q)).failed, { timeout: POLL_TIMEOUT_MS })
      .toBe(1);
    // A failed job stays known: its id is not run again.
    await queue.add(q, { name: 'doomed', data: { x: 2 }, options: { jobId: 'doomed-1' } });
    expect(await queue.counts(q)).toMatchObject({ waiting: 0, delayed: 0, failed: 1 });
  });

  it('never runs more jobs at once than the concurrency', async () => {
    const queue = port();
    const q = queueName();
    let running = 0;
    let peak = 0;
    let done = 0;
    queue.process(
      q,
      async () => {
        running++;
        peak = Math.max(peak, running);
        await pause(80);
        running--;
        done++;
      },
      { concurrency: 3 },
    );
    await queue.addBulk(
      q,
      Array.from({ length: 12 }, (_, i) => ({ name: 'work', data: i })),
    );
    await expect.poll(() => done, { timeout: 10_000 }).toBe(12);
    expect(peak).toBe(3);
  });

  it('fires a repeatable job more than once, and re-registering replaces it', async () => {
    const queue = port();
    const q = queueName();
    const ticks: string[] = [];
    queue.process(q, async (job) => {
      ticks.push(job.name);
    });
    await queue.repeat(q, 'sweep', 150);
    await queue.repeat(q, 'sweep', 150);
    await expect.poll(() => ticks.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
    expect(new Set(ticks)).toEqual(new Set(['sweep']));
  });

  it('keeps the rhythm of a repeatable job registered again with the same interval', async () => {
    const queue = port();
    const q = queueName();
    let ticks = 0;
    queue.process(q, async () => {
      ticks++;
    });
    await queue.repeat(q, 'refresh', 400);
    const started = Date.now();
    // A worker re-registers its schedules periodically (after a Redis that lost its data).
    while (Date.now() - started < 1_300) {
      await queue.repeat(q, 'refresh', 400);
      await pause(100);
    }
    // Due at 0, 400, 800 and 1200 ms: re-registering must not add runs (13 registrations) nor
    // postpone them (a single run); the lower bound leaves room for a loaded machine.
    expect(ticks).toBeGreaterThanOrEqual(2);
    expect(ticks).toBeLessThanOrEqual(5);
  });

  it('counts waiting, active, delayed and failed jobs', async () => {
    const queue = port();
    const q = queueName();
    expect(await queue.counts(q)).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    await queue.addBulk(q, [
      { name: 'hold', data: null, options: { jobId: 'first' } },
      { name: 'w', data: null },
      { name: 'w', data: null },
      { name: 'later', data: null, options: { delayMs: 60_000 } },
    ]);
    expect(await queue.counts(q)).toEqual({ waiting: 3, active: 0, delayed: 1, failed: 0 });

    const release = deferred();
    queue.process(
      q,
      async (job) => {
        if (job.id === 'first') await release.promise;
        else throw new Error('no');
      },
      { concurrency: 1 },
    );
    await expect
      .poll(() => queue.counts(q), { timeout: POLL_TIMEOUT_MS })
      .toMatchObject({ waiting: 2, active: 1 });
    release.resolve();
    await queue.add(q, { name: 'x', data: null, options: { attempts: 1 } });
    await expect
      .poll(() => queue.counts(q), { timeout: 10_000 })
      .toEqual({ waiting: 0, active: 0, delayed: 3, failed: 1 });
  });

  it('close waits for the active job, then stops processing and refuses new jobs', async () => {
    const queue = port();
    const q = queueName();
    const release = deferred();
    const started: string[] = [];
    const finished: string[] = [];
    queue.process(q, async (job) => {
      started.push(job.id);
      await release.promise;
      finished.push(job.id);
    });
    await queue.add(q, { name: 'long', data: null, options: { jobId: 'long' } });
    await expect.poll(() => started, { timeout: POLL_TIMEOUT_MS }).toEqual(['long']);
    await queue.add(q, { name: 'soon', data: null, options: { jobId: 'soon', delayMs: 100 } });

    let closed = false;
    const closing = queue.close().then(() => {
      closed = true;
    });
    await pause(50);
    expect(closed).toBe(false);
    release.resolve();
    await closing;
    expect(finished).toEqual(['long']);

    // The delayed job came due after close: nothing runs it any more (a negative, so a wait).
    await pause(300);
    expect(started).toEqual(['long']);
    await expect(queue.add(q, { name: 'late', data: null })).rejects.toThrow();
  });

  it('refuses queue names and job ids that BullMQ cannot store', async () => {
    const queue = port();
    await expect(queue.add('a:b', { name: 'x', data: null })).rejects.toThrow(/queue name/);
    await expect(
      queue.add(queueName(), { name: 'x', data: null, options: { jobId: 'a:b' } }),
    ).rejects.toThrow(/job id/);
    await expect(
      queue.add(queueName(), { name: 'x', data: null, options: { jobId: '42' } }),
    ).rejects.toThrow(/integer/);
    await expect(
      queue.add(queueName(), { name: 'x', data: null, options: { jobId: 'marker' } }),
    ).rejects.toThrow(/key names/);
  });
});
