import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { sql } from 'kysely';
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
import { heldQueue } from './fixtures/held-queue.js';
import { openTransactions } from './fixtures/open-transactions.js';
import { recordingQueue } from './fixtures/recording-queue.js';
import { testConsumers } from './fixtures/test-consumers.js';
import { appendTestEvents } from './fixtures/test-events.js';
import { createOutboxReconciler } from './reconciler.js';
import { createOutboxRelay } from './relay.js';

const silent = pino({ level: 'silent' });
const consumers = testConsumers();
const ALPHA = consumerQueueName('alpha');
const BETA = consumerQueueName('beta');
const DEADLINE_MS = 60_000;

describe('outbox reconciler', () => {
  let test: TestDatabase;
  let prefix: string;
  let queue: QueuePort;

  beforeAll(async () => {
    test = await createTestDatabase('reconciler');
  });
  afterAll(async () => test?.drop());
  beforeEach(async () => {
    await test.handle.db.deleteFrom('outbox').execute();
    await test.handle.db.deleteFrom('processed_events').execute();
    prefix = `t:${randomUUID()}`;
    queue = createBullmqQueue({ url: TEST_REDIS_URL, prefix });
  });
  afterEach(async () => {
    await queue.close();
    const redis = await connectTestRedis();
    await deleteKeysByPrefix(redis, `${prefix}:`);
    redis.disconnect();
  });

  /** Appends and relays `count` events, then pretends the relay happened `agoMs` ago. */
  async function relayed(count: number, agoMs: number, redeliveries = 0): Promise<string[]> {
    const ids = await appendTestEvents(test.handle.db, count);
    const relay = createOutboxRelay({ db: test.handle, queue, consumers, log: silent });
    while ((await relay.relayOnce()) > 0) {}
    await test.handle.db
      .updateTable('outbox')
      .set({
        relayed_at: sql<Date>`now() - ${agoMs}::float8 * interval '1 millisecond'`,
        redeliveries,
      })
      .where('id', 'in', ids)
      .execute();
    return ids;
  }

  async function markProcessed(consumer: string, ids: string[]) {
    await test.handle.db
      .insertInto('processed_events')
      .values(ids.map((event_id) => ({ consumer, event_id })))
      .execute();
  }

  const row = (id: string) =>
    test.handle.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  const reconciler = (q: QueuePort) =>
    createOutboxReconciler({
      db: test.handle,
      queue: q,
      consumers,
      log: silent,
      deadlineMs: DEADLINE_MS,
    });

  it('re-enqueues an overdue event for the consumers that have not processed it', async () => {
    const [both, onlyAlpha, none] = await relayed(3, 2 * DEADLINE_MS);
    if (!both || !onlyAlpha || !none) throw new Error('three events expected');
    await markProcessed('alpha', [both, onlyAlpha]);
    await markProcessed('beta', [both]);
    const before = await row(onlyAlpha);

    const recorded = recordingQueue(queue);
    expect(await reconciler(recorded).reconcileOnce()).toEqual({ redelivered: 2, delivered: 1 });
    expect(recorded.added.map((a) => `${a.queue} ${a.job.options?.jobId}`).sort()).toEqual(
      [`${BETA} ${onlyAlpha}.r1`, `${ALPHA} ${none}.r1`, `${BETA} ${none}.r1`].sort(),
    );
    expect((await row(both)).delivered_at).not.toBeNull();
    const after = await row(onlyAlpha);
    expect(after.redeliveries).toBe(1);
    expect(after.delivered_at).toBeNull();
    expect(after.relayed_at?.getTime()).toBeGreaterThan(before.relayed_at?.getTime() ?? 0);

    // The deadline starts again from the re-enqueue: nothing is due right now.
    expect(await reconciler(recorded).reconcileOnce()).toEqual({ redelivered: 0, delivered: 0 });
    // Once processed, the next pass after the deadline marks it delivered.
    await markProcessed('beta', [onlyAlpha]);
    await test.handle.db
      .updateTable('outbox')
      .set({ relayed_at: sql<Date>`now() - interval '10 minutes'` })
      .where('id', '=', onlyAlpha)
      .execute();
    expect(await reconciler(recorded).reconcileOnce()).toEqual({ redelivered: 0, delivered: 1 });
  });

  it('leaves events alone within the deadline', async () => {
    await relayed(2, DEADLINE_MS / 2);
    const recorded = recordingQueue(queue);
    expect(await reconciler(recorded).reconcileOnce()).toEqual({ redelivered: 0, delivered: 0 });
    expect(recorded.added).toEqual([]);
  });

  it('doubles the deadline with each re-delivery', async () => {
    const [early] = await relayed(1, 3 * DEADLINE_MS, 2);
    const [due] = await relayed(1, 5 * DEADLINE_MS, 2);
    const recorded = recordingQueue(queue);
    expect(await reconciler(recorded).reconcileOnce()).toEqual({ redelivered: 1, delivered: 0 });
    expect(recorded.added.map((a) => a.job.options?.jobId)).toEqual([`${due}.r3`, `${due}.r3`]);
    expect((await row(early ?? '')).redeliveries).toBe(2);
  });

  it('changes nothing when the queue is unreachable', async () => {
    const [id] = await relayed(1, 2 * DEADLINE_MS, 1);
    const before = await row(id ?? '');
    const down = createBullmqQueue({
      url: `redis://127.0.0.1:${await findFreePort()}`,
      prefix,
      connectGraceMs: 50,
    });
    await expect(reconciler(down).reconcileOnce()).rejects.toThrow();
    await down.close();
    // Its claim handed back: the same count and stamp, so it is due again on the next pass.
    const after = await row(id ?? '');
    expect(after.redeliveries).toBe(1);
    expect(after.relayed_at).toEqual(before.relayed_at);
    const recorded = recordingQueue(queue);
    expect(await reconciler(recorded).reconcileOnce()).toEqual({ redelivered: 1, delivered: 0 });
    expect(recorded.added.map((a) => a.job.options?.jobId)).toEqual([`${id}.r2`, `${id}.r2`]);
  });

  it('holds no transaction open while Redis answers', async () => {
    await relayed(3, 2 * DEADLINE_MS);
    const held = heldQueue(queue);
    const pass = reconciler(held.queue).reconcileOnce();
    try {
      await held.entered;
      expect(await openTransactions(test.handle.db)).toBe(0);
      // Claimed and committed: a concurrent reconciler finds nothing due.
      expect(await reconciler(recordingQueue(queue)).reconcileOnce()).toEqual({
        redelivered: 0,
        delivered: 0,
      });
    } finally {
      held.release();
    }
    expect(await pass).toEqual({ redelivered: 3, delivered: 0 });
  });

  it('does not re-enqueue an event twice when reconcilers run at once', async () => {
    await relayed(100, 2 * DEADLINE_MS);
    const recorders = [recordingQueue(queue), recordingQueue(queue)];
    await Promise.all(recorders.map((r) => reconciler(r).reconcileOnce()));
    const jobs = recorders.flatMap((r) => r.added).filter((a) => a.queue === ALPHA);
    expect(jobs).toHaveLength(100);
  });
});
