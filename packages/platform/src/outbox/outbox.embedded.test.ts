import { createDb, type DbHandle, migrateToLatest } from '@evently/db';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryQueue } from '../queue/memory-queue.js';
import { createWorker, type Worker } from '../worker/create-worker.js';
import { consumerQueueName } from './consumer.js';
import { toDeliveryJob } from './delivery-job.js';
import { createEffectsTable, summarizeEffects, testConsumers } from './fixtures/test-consumers.js';
import { appendTestEvents } from './fixtures/test-events.js';
import { createOutboxRelay } from './relay.js';

const silent = pino({ level: 'silent' });
const QUEUES = [consumerQueueName('alpha'), consumerQueueName('beta')];

describe('outbox delivery in embedded mode (PGlite + in-process queue)', () => {
  let db: DbHandle;
  let worker: Worker | undefined;

  beforeAll(async () => {
    db = await createDb({ dataDir: 'memory://' });
    await migrateToLatest(db.db);
    await createEffectsTable(db.db);
  });
  afterAll(async () => {
    await worker?.stop();
    await db?.close();
  });

  it('delivers each event exactly once, even after a restart forgot the queued jobs', async () => {
    const consumers = testConsumers();
    const before = await appendTestEvents(db.db, 30);

    // A first process relays everything, then stops before any job ran: its queue is gone.
    const lostQueue = createMemoryQueue();
    const relay = createOutboxRelay({ db, queue: lostQueue, consumers, log: silent });
    while ((await relay.relayOnce()) > 0) {}
    expect(await lostQueue.counts(QUEUES[0] ?? '')).toMatchObject({ waiting: 30 });
    await lostQueue.close();

    // The next process: the same code, a fresh queue.
    const queue = createMemoryQueue();
    worker = createWorker({
      db,
      queue,
      log: silent,
      consumers,
      relay: { batchSize: 7, pollIntervalMs: 50 },
      reconciler: { deadlineMs: 300, intervalMs: 100 },
    });
    await worker.start();
    const after = await appendTestEvents(db.db, 20);

    // Duplicates on purpose, for events relayed before and after the restart.
    const rows = await db.db
      .selectFrom('outbox')
      .selectAll()
      .where('id', 'in', [...before.slice(0, 5), ...after.slice(0, 5)])
      .execute();
    for (const name of QUEUES) {
      await queue.addBulk(
        name,
        rows.map((row) => ({
          name: row.topic,
          data: toDeliveryJob(row),
          options: { jobId: `${row.id}.dup` },
        })),
      );
    }

    const undelivered = async () =>
      Number(
        (
          await db.db
            .selectFrom('outbox')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('delivered_at', 'is', null)
            .executeTakeFirstOrThrow()
        ).n,
      );
    await expect.poll(undelivered, { timeout: 30_000 }).toBe(0);
    const idle = async () => {
      const counts = await Promise.all(QUEUES.map((q) => queue.counts(q)));
      return counts.every((c) => c.waiting + c.active + c.delayed === 0);
    };
    await expect.poll(idle, { timeout: 10_000 }).toBe(true);
    await worker.stop();
    await queue.close();

    expect(await summarizeEffects(db.db)).toEqual([
      { consumer: 'alpha', events: 50, applications: 50, maxPerEvent: 1 },
      { consumer: 'beta', events: 50, applications: 50, maxPerEvent: 1 },
    ]);
    const processed = await db.db
      .selectFrom('processed_events')
      .select(['consumer', (eb) => eb.fn.countAll().as('n')])
      .groupBy('consumer')
      .orderBy('consumer')
      .execute();
    expect(processed.map((p) => [p.consumer, Number(p.n)])).toEqual([
      ['alpha', 50],
      ['beta', 50],
    ]);
  });
});
