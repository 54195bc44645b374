import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDb, type DbHandle, migrateToLatest } from '@evently/db';
import { type PostgresCluster, startPostgresCluster } from '@evently/db/testing/postgres-cluster';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBullmqQueue } from '../queue/bullmq-queue.js';
import type { QueuePort } from '../queue/queue.port.js';
import { connectTestRedis, deleteKeysByPrefix, TEST_REDIS_URL } from '../testing/index.js';
import { testConsumers } from './fixtures/test-consumers.js';
import { appendTestEvents, countUnrelayed } from './fixtures/test-events.js';
import { createOutboxRelay, type OutboxRelay } from './relay.js';

// The relay's LISTEN after its Postgres (a cluster of this file's own) restarts or stops: it
// listens again by itself. Its poll interval is far longer than the test, so only a NOTIFY (or
// the wake-up after reconnecting) can relay the events appended after each fault.
describe('outbox relay: LISTEN comes back after Postgres restarts and stops', () => {
  let cluster: PostgresCluster;
  let handle: DbHandle;
  let queue: QueuePort;
  let relay: OutboxRelay;
  const prefix = `t:${randomUUID()}`;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    handle = await createDb({
      databaseUrl: await cluster.createDatabase('relay_listen'),
      poolSize: 4,
    });
    await migrateToLatest(handle.db);
    queue = createBullmqQueue({ url: TEST_REDIS_URL, prefix });
    relay = createOutboxRelay({
      db: handle,
      queue,
      consumers: testConsumers(),
      log: pino({ level: 'silent' }),
      pollIntervalMs: 10 * 60_000,
    });
    await relay.start();
  });
  afterAll(async () => {
    await relay?.stop();
    await queue?.close();
    await handle?.close();
    await cluster?.destroy();
    const redis = await connectTestRedis();
    await deleteKeysByPrefix(redis, `${prefix}:`);
    redis.disconnect();
  });

  /** Appends once the database takes writes again (its pool may still be reconnecting). */
  async function append(): Promise<void> {
    await expect
      .poll(
        () =>
          appendTestEvents(handle.db, 2).then(
            () => true,
            () => false,
          ),
        {
          timeout: 30_000,
          interval: 250,
        },
      )
      .toBe(true);
  }

  const relayedSoon = () =>
    expect.poll(() => countUnrelayed(handle.db), { timeout: 20_000, interval: 100 }).toBe(0);

  it('relays events appended after a restart and after a stop, long before its next poll', async () => {
    // The first pass runs at start; after it, only NOTIFY wakes the relay.
    await append();
    await relayedSoon();

    await cluster.restart();
    await append();
    await relayedSoon();

    await cluster.stop();
    await sleep(3_000);
    await cluster.start();
    await append();
    await relayedSoon();
  });
});
