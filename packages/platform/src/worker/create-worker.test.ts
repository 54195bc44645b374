import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEffectsTable,
  summarizeEffects,
  testConsumers,
} from '../outbox/fixtures/test-consumers.js';
import { appendTestEvents, countUnrelayed } from '../outbox/fixtures/test-events.js';
import { createBullmqQueue } from '../queue/bullmq-queue.js';
import type { QueuePort } from '../queue/queue.port.js';
import {
  connectTestRedis,
  deferred,
  deleteKeysByPrefix,
  TEST_REDIS_URL,
} from '../testing/index.js';
import { createWorker } from './create-worker.js';

const silent = pino({ level: 'silent' });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('createWorker on Postgres and BullMQ', () => {
  let test: TestDatabase;
  let queue: QueuePort;
  const prefix = `t:${randomUUID()}`;

  beforeAll(async () => {
    test = await createTestDatabase('worker');
    await createEffectsTable(test.handle.db);
    queue = createBullmqQueue({ url: TEST_REDIS_URL, prefix });
  });
  afterAll(async () => {
    await queue?.close();
    const redis = await connectTestRedis();
    await deleteKeysByPrefix(redis, `${prefix}:`);
    redis.disconnect();
    await test?.drop();
  });

  const unrelayed = () => countUnrelayed(test.handle.db);

  it('relays, consumes and runs schedules; stop waits for active jobs, then nothing moves', async () => {
    const ticks: number[] = [];
    const hold = deferred();
    let holding = false;
    const worker = createWorker({
      db: test.handle,
      queue,
      log: silent,
      consumers: testConsumers(),
      relay: { pollIntervalMs: 100 },
      reconciler: { deadlineMs: 1_000, intervalMs: 200 },
      schedules: [
        {
          queue: 'sweeps',
          name: 'tick',
          everyMs: 200,
          async handler() {
            ticks.push(Date.now());
            if (ticks.length === 3) {
              holding = true;
              await hold.promise;
              holding = false;
            }
          },
        },
      ],
    });
    await worker.start();

    await appendTestEvents(test.handle.db, 8);
    await expect
      .poll(() => summarizeEffects(test.handle.db), { timeout: 15_000 })
      .toEqual([
        { consumer: 'alpha', events: 8, applications: 8, maxPerEvent: 1 },
        { consumer: 'beta', events: 8, applications: 8, maxPerEvent: 1 },
      ]);

    // The third tick holds; stop must wait for it.
    await expect.poll(() => holding, { timeout: 10_000 }).toBe(true);
    let stopped = false;
    const stopping = worker.stop().then(() => {
      stopped = true;
    });
    await pause(200);
    expect(stopped).toBe(false);
    hold.resolve();
    await stopping;
    expect(holding).toBe(false);

    // Stopped: new events stay in the outbox (a negative, so a wait).
    await appendTestEvents(test.handle.db, 2);
    await pause(400);
    expect(await unrelayed()).toBe(2);
    expect(ticks.length).toBe(3);
  });
});
