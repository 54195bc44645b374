import { randomUUID } from 'node:crypto';
import { appendEvent } from '@evently/db';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBullmqQueue } from '../queue/bullmq-queue.js';
import type { QueuePort } from '../queue/queue.port.js';
import {
  connectTestRedis,
  deleteKeysByPrefix,
  findFreePort,
  TEST_REDIS_URL,
} from '../testing/index.js';
import { consumerQueueName } from './consumer.js';
import { type DeliveryJob, type DeliveryJobs, toDeliveryJob } from './delivery-job.js';
import { heldQueue } from './fixtures/held-queue.js';
import { openTransactions } from './fixtures/open-transactions.js';
import { recordingQueue } from './fixtures/recording-queue.js';
import { testConsumers } from './fixtures/test-consumers.js';
import { appendTestEvents, countUnrelayed } from './fixtures/test-events.js';
import { createOutboxRelay } from './relay.js';

/** Polls wait in seconds, not vitest's default 1 s: the machine running them may be loaded. */
const POLL_TIMEOUT_MS = 15_000;

const silent = pino({ level: 'silent' });
const consumers = testConsumers();
const ALPHA = consumerQueueName('alpha');
const BETA = consumerQueueName('beta');

describe('outbox relay', () => {
  let test: TestDatabase;
  let prefix: string;
  let queue: QueuePort;

  beforeAll(async () => {
    test = await createTestDatabase('relay');
  });
  afterAll(async () => {
    await test?.drop();
  });
  // A fresh outbox and queue namespace per test.
  beforeEach(async () => {
    await test.handle.db.deleteFrom('outbox').execute();
    prefix = `t:${randomUUID()}`;
    queue = createBullmqQueue({ url: TEST_REDIS_URL, prefix });
  });
  afterEach(async () => {
    await queue.close();
    const redis = await connectTestRedis();
    await deleteKeysByPrefix(redis, `${prefix}:`);
    redis.disconnect();
  });

  const unrelayed = () => countUnrelayed(test.handle.db);

  it('enqueues one job per subscribed consumer, in seq order, with the outbox id as job id', async () => {
    const ids = await appendTestEvents(test.handle.db, 12);
    const recorded = recordingQueue(queue);
    const relay = createOutboxRelay({
      db: test.handle,
      queue: recorded,
      consumers,
      log: silent,
      batchSize: 5,
    });
    expect(await relay.relayOnce()).toBe(5);
    expect(await relay.relayOnce()).toBe(5);
    expect(await relay.relayOnce()).toBe(2);
    expect(await relay.relayOnce()).toBe(0);

    for (const name of [ALPHA, BETA]) {
      const jobs = recorded.added.filter((a) => a.queue === name).map((a) => a.job);
      expect(jobs.map((j) => j.options?.jobId)).toEqual(ids);
      expect(jobs.every((j) => j.name === 'event.created')).toBe(true);
      expect((await queue.counts(name)).waiting).toBe(12);
    }
    const rows = await test.handle.db.selectFrom('outbox').selectAll().orderBy('seq').execute();
    expect(rows.every((r) => r.relayed_at !== null && r.delivered_at === null)).toBe(true);
    expect(recorded.added[0]?.job.data).toEqual(toDeliveryJob(rows[0] ?? expect.unreachable()));
  });

  it('gives a consumer with group commit one job per pass, whose id the same rows repeat', async () => {
    const ids = await appendTestEvents(test.handle.db, 12);
    const GAMMA = consumerQueueName('gamma');
    const withBatching = testConsumers(undefined, { batching: true });
    const recorded = recordingQueue(queue);
    const relay = createOutboxRelay({
      db: test.handle,
      queue: recorded,
      consumers: withBatching,
      log: silent,
      batchSize: 5,
    });
    while ((await relay.relayOnce()) > 0) {}

    // alpha still gets one job per event; gamma one job per pass, the pass's events in order.
    expect(recorded.added.filter((a) => a.queue === ALPHA)).toHaveLength(12);
    const batches = recorded.added.filter((a) => a.queue === GAMMA).map((a) => a.job);
    expect(batches.map((j) => j.name)).toEqual(['events', 'events', 'events']);
    const carried = batches.map((j) =>
      (j.data as DeliveryJobs).events.map((event: DeliveryJob) => event.id),
    );
    expect(carried).toEqual([ids.slice(0, 5), ids.slice(5, 10), ids.slice(10)]);
    expect(new Set(batches.map((j) => j.options?.jobId)).size).toBe(3);
    expect((await queue.counts(GAMMA)).waiting).toBe(3);

    // A relay that died before its commit: the same rows go out again under the same batch id,
    // and the queue keeps one job.
    await test.handle.db.updateTable('outbox').set({ relayed_at: null }).execute();
    const again = recordingQueue(queue);
    const second = createOutboxRelay({
      db: test.handle,
      queue: again,
      consumers: withBatching,
      log: silent,
      batchSize: 5,
    });
    while ((await second.relayOnce()) > 0) {}
    expect(again.added.filter((a) => a.queue === GAMMA).map((a) => a.job.options?.jobId)).toEqual(
      batches.map((j) => j.options?.jobId),
    );
    expect((await queue.counts(GAMMA)).waiting).toBe(3);
  });

  it('marks an event nobody subscribes to relayed and delivered, enqueueing nothing', async () => {
    const { id } = await appendEvent(test.handle.db, {
      topic: 'user.registered',
      payload: { userId: randomUUID(), email: 'a@example.com', name: 'A' },
    });
    const recorded = recordingQueue(queue);
    const relay = createOutboxRelay({ db: test.handle, queue: recorded, consumers, log: silent });
    expect(await relay.relayOnce()).toBe(1);
    expect(recorded.added).toEqual([]);
    const row = await test.handle.db
      .selectFrom('outbox')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.relayed_at).not.toBeNull();
    expect(row.delivered_at).not.toBeNull();
  });

  it('holds no transaction open while Redis answers: the claim is committed before the enqueue', async () => {
    await appendTestEvents(test.handle.db, 4);
    const held = heldQueue(queue);
    const relay = createOutboxRelay({ db: test.handle, queue: held.queue, consumers, log: silent });
    const pass = relay.relayOnce();
    try {
      await held.entered;
      // While the enqueue hangs: no session of this database sits in a transaction, and the
      // claim is visible to everyone (another relay skips these rows).
      expect(await openTransactions(test.handle.db)).toBe(0);
      expect(await unrelayed()).toBe(0);
    } finally {
      held.release();
    }
    expect(await pass).toBe(4);
    expect((await queue.counts(ALPHA)).waiting).toBe(4);
  });

  it('hands the rows back when the queue is unreachable, logging a warning', async () => {
    await appendTestEvents(test.handle.db, 3);
    const down = createBullmqQueue({
      url: `redis://127.0.0.1:${await findFreePort()}`,
      prefix,
      connectGraceMs: 50,
    });
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const relay = createOutboxRelay({
      db: test.handle,
      queue: down,
      consumers,
      log,
      pollIntervalMs: 100,
    });
    await expect(relay.relayOnce()).rejects.toThrow();
    expect(await unrelayed()).toBe(3);

    await relay.start();
    await expect.poll(() => lines.length, { timeout: POLL_TIMEOUT_MS }).toBeGreaterThanOrEqual(2);
    await relay.stop();
    await down.close();
    expect(lines[0]).toContain('outbox relay failed; will retry');
    expect(await unrelayed()).toBe(3);

    // Redis reachable again: the same rows go through.
    const healthy = createOutboxRelay({ db: test.handle, queue, consumers, log: silent });
    expect(await healthy.relayOnce()).toBe(3);
    expect((await queue.counts(ALPHA)).waiting).toBe(3);
  });

  it('lets several relays run at once without enqueueing a row twice', async () => {
    const ids = await appendTestEvents(test.handle.db, 300, 50);
    const recorders = [recordingQueue(queue), recordingQueue(queue), recordingQueue(queue)];
    const relays = recorders.map((recorded) =>
      createOutboxRelay({
        db: test.handle,
        queue: recorded,
        consumers,
        log: silent,
        batchSize: 7,
        pollIntervalMs: 50,
      }),
    );
    await Promise.all(relays.map((relay) => relay.start()));
    await expect.poll(unrelayed, { timeout: 20_000 }).toBe(0);
    await Promise.all(relays.map((relay) => relay.stop()));

    const alphaIds = recorders
      .flatMap((r) => r.added)
      .filter((a) => a.queue === ALPHA)
      .map((a) => a.job.options?.jobId);
    expect(alphaIds).toHaveLength(300);
    expect(new Set(alphaIds)).toEqual(new Set(ids));
  });

  it('is woken by NOTIFY at commit, long before its next poll', async () => {
    const relay = createOutboxRelay({
      db: test.handle,
      queue,
      consumers,
      log: silent,
      pollIntervalMs: 60_000,
    });
    await relay.start();
    // Relayed by the first pass or by its NOTIFY; after that the relay sleeps for a minute.
    await appendTestEvents(test.handle.db, 1);
    await expect.poll(unrelayed, { timeout: 5_000 }).toBe(0);
    await appendTestEvents(test.handle.db, 2);
    await expect.poll(unrelayed, { timeout: 5_000 }).toBe(0);
    await relay.stop();
    expect((await queue.counts(ALPHA)).waiting).toBe(3);
  });
});
