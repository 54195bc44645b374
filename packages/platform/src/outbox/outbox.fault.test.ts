import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBullmqQueue } from '../queue/bullmq-queue.js';
import type { QueuePort } from '../queue/queue.port.js';
import {
  connectTestRedis,
  deferred,
  type RedisServer,
  startRedisServer,
} from '../testing/index.js';
import { createWorker, type Worker } from '../worker/create-worker.js';
import { consumerQueueName } from './consumer.js';
import { toDeliveryJob } from './delivery-job.js';
import { createEffectsTable, summarizeEffects, testConsumers } from './fixtures/test-consumers.js';
import { appendTestEvents } from './fixtures/test-events.js';
import { createOutboxReconciler, type OutboxReconciler } from './reconciler.js';

const N = 60;
const BATCH = 5;
// alpha and beta get one job per event; gamma (group commit) one job per relay pass.
const QUEUES = [consumerQueueName('alpha'), consumerQueueName('beta'), consumerQueueName('gamma')];
// One process (node with tsx's loader), so SIGKILL kills the relay itself, not a tsx parent.
const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));
const RELAY_PROCESS = fileURLToPath(new URL('./fixtures/relay-process.ts', import.meta.url));
const silent = pino({ level: 'silent' });

interface RelayChild {
  child: ChildProcess;
  lines: string[];
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('outbox delivery through crashes, duplicates and a Redis that loses everything', () => {
  let test: TestDatabase;
  let server: RedisServer;
  let queue: QueuePort;
  const prefix = `t:${randomUUID()}`;
  const children: ChildProcess[] = [];
  let worker: Worker | undefined;
  let reconciler: OutboxReconciler | undefined;

  beforeAll(async () => {
    test = await createTestDatabase('outbox_fault');
    await createEffectsTable(test.handle.db);
    server = await startRedisServer();
    queue = createBullmqQueue({ url: server.url, prefix });
  });
  afterAll(async () => {
    await worker?.stop();
    await reconciler?.stop();
    await queue?.close();
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await server?.kill();
    await test?.drop();
  });

  function startRelay(holdBeforeEnqueueMs: number): RelayChild {
    const child = spawn(process.execPath, ['--import', 'tsx', RELAY_PROCESS], {
      cwd: PACKAGE_DIR,
      env: {
        ...process.env,
        DATABASE_URL: test.url,
        REDIS_URL: server.url,
        QUEUE_PREFIX: prefix,
        BATCH_SIZE: String(BATCH),
        HOLD_BEFORE_ENQUEUE_MS: String(holdBeforeEnqueueMs),
        BATCHING: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const lines: string[] = [];
    let stderr = '';
    if (!child.stdout || !child.stderr) throw new Error('relay process without pipes');
    createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    return { child, lines, stderr: () => stderr, exit };
  }

  const count = async (where: 'unrelayed' | 'relayed' | 'undelivered' | 'redelivered') => {
    let query = test.handle.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n'));
    if (where === 'unrelayed') query = query.where('relayed_at', 'is', null);
    if (where === 'relayed') query = query.where('relayed_at', 'is not', null);
    if (where === 'undelivered') query = query.where('delivered_at', 'is', null);
    if (where === 'redelivered') query = query.where('redeliveries', '>', 0);
    return Number((await query.executeTakeFirstOrThrow()).n);
  };
  const processed = async () => {
    const rows = await test.handle.db
      .selectFrom('processed_events')
      .select(['consumer', (eb) => eb.fn.countAll().as('n')])
      .groupBy('consumer')
      .orderBy('consumer')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.consumer, Number(r.n)]));
  };
  const waiting = async () => {
    const counts = await Promise.all(QUEUES.map((q) => queue.counts(q)));
    return counts.map((c) => c.waiting);
  };
  const idle = async () => {
    const counts = await Promise.all(QUEUES.map((q) => queue.counts(q)));
    return counts.every((c) => c.waiting + c.active + c.delayed === 0);
  };

  it('applies every consumer effect exactly once per event', { timeout: 120_000 }, async () => {
    const ids = await appendTestEvents(test.handle.db, N);

    // 1. A relay dies mid-batch: its third batch is claimed (committed: the relay holds no
    //    transaction while Redis answers) but none of its jobs reached Redis.
    // (A generous hold: the kill must land while batch 3 waits, even on a loaded machine.)
    const first = startRelay(3_000);
    const enqueued = () => first.lines.filter((line) => line.startsWith('enqueued')).length;
    // Three consumer queues: lines 1-3 are batch 1, 4-6 batch 2; then batch 3 is claimed.
    await expect.poll(enqueued, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(6);
    await expect.poll(() => count('relayed'), { timeout: 30_000, interval: 20 }).toBe(3 * BATCH);
    first.child.kill('SIGKILL');
    expect((await first.exit).signal).toBe('SIGKILL');
    expect(enqueued()).toBe(6);
    expect(await waiting()).toEqual([2 * BATCH, 2 * BATCH, 2]);

    // 2. Restarted, the relay takes the rows nobody claimed; the dead relay's claimed batch is
    //    not in Redis at all — relayed, never enqueued — until the reconciler (step 5) finds it.
    const second = startRelay(0);
    await expect.poll(() => count('unrelayed'), { timeout: 30_000 }).toBe(0);
    second.child.kill('SIGTERM');
    expect((await second.exit).code, second.stderr()).toBe(0);
    expect(await waiting()).toEqual([N - BATCH, N - BATCH, N / BATCH - 1]);

    // 3. Consumers run; half-way through, Redis loses every key.
    const gate = deferred();
    const started: Record<string, number> = { alpha: 0, beta: 0, gamma: 0 };
    const consumers = testConsumers(
      async (name) => {
        started[name] = (started[name] ?? 0) + 1;
        if ((started[name] ?? 0) > N / 2) await gate.promise;
      },
      { batching: true },
    );
    worker = createWorker({
      db: test.handle,
      queue,
      log: silent,
      consumers,
      relay: false,
      reconciler: false,
      concurrency: 2,
    });
    await worker.start();
    await expect
      .poll(() => Math.min(started.alpha ?? 0, started.beta ?? 0, started.gamma ?? 0), {
        timeout: 30_000,
      })
      .toBeGreaterThan(N / 2);
    // The throwaway server, never the shared Redis.
    const redis = await connectTestRedis('command', server.url);
    await redis.flushall();
    redis.disconnect();
    expect(await waiting()).toEqual([0, 0, 0]);
    const halfway = await processed();
    expect(halfway.alpha).toBeLessThan(N);
    expect(halfway.beta).toBeLessThan(N);
    expect(halfway.gamma ?? 0).toBeLessThan(N);
    gate.resolve();

    // 4. Duplicates on purpose: events already processed, and events whose jobs were just lost.
    const duplicated = await test.handle.db
      .selectFrom('outbox')
      .selectAll()
      .where('id', 'in', [...ids.slice(0, 10), ...ids.slice(-5)])
      .execute();
    for (const name of QUEUES) {
      await queue.addBulk(
        name,
        duplicated.map((row) => ({
          name: row.topic,
          data: toDeliveryJob(row),
          options: { jobId: `${row.id}.dup` },
        })),
      );
    }
    // …and the same events again as one batch job for the batching consumer.
    await queue.add(consumerQueueName('gamma'), {
      name: 'events',
      data: { events: duplicated.map(toDeliveryJob) },
      options: { jobId: 'batch.dup' },
    });

    // 5. The reconciler finds what was relayed but never processed, and enqueues it again.
    reconciler = createOutboxReconciler({
      db: test.handle,
      queue,
      consumers,
      log: silent,
      deadlineMs: 500,
      intervalMs: 200,
    });
    await reconciler.start();
    await expect.poll(processed, { timeout: 60_000 }).toEqual({ alpha: N, beta: N, gamma: N });
    await expect.poll(() => count('undelivered'), { timeout: 30_000 }).toBe(0);
    await expect.poll(idle, { timeout: 30_000 }).toBe(true);

    expect(await summarizeEffects(test.handle.db)).toEqual([
      { consumer: 'alpha', events: N, applications: N, maxPerEvent: 1 },
      { consumer: 'beta', events: N, applications: N, maxPerEvent: 1 },
      { consumer: 'gamma', events: N, applications: N, maxPerEvent: 1 },
    ]);
    expect(await processed()).toEqual({ alpha: N, beta: N, gamma: N });
    // The repair really happened: events lost with Redis went out again.
    expect(await count('redelivered')).toBeGreaterThan(0);
  });
});
