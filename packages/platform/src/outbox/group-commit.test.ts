import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConsumer } from './consumer.js';
import { type DeliveryJob, toDeliveryJob } from './delivery-job.js';
import { createEffectsTable, summarizeEffects, TEST_TOPIC } from './fixtures/test-consumers.js';
import { appendTestEvents } from './fixtures/test-events.js';
import { createGroupCommit } from './group-commit.js';

describe('createGroupCommit', () => {
  let test: TestDatabase;

  beforeAll(async () => {
    test = await createTestDatabase('group_commit');
    await createEffectsTable(test.handle.db);
  });
  afterAll(async () => test?.drop());

  async function newJobs(count: number): Promise<DeliveryJob[]> {
    const ids = await appendTestEvents(test.handle.db, count);
    const rows = await test.handle.db
      .selectFrom('outbox')
      .selectAll()
      .where('id', 'in', ids)
      .orderBy('id')
      .execute();
    return rows.map(toDeliveryJob);
  }

  /** A batching consumer whose effect adds 1 per application; it records each batch's size. */
  function batching(name: string, fail?: () => boolean) {
    const batches: number[] = [];
    const consumer = defineConsumer({
      name,
      topics: [TEST_TOPIC],
      async handle() {
        throw new Error('a batching consumer is delivered in batches');
      },
      async handleBatch(trx, events) {
        batches.push(events.length);
        for (const event of events) {
          await sql`INSERT INTO test_effects (consumer, event_id, n) VALUES (${name}, ${event.id}, 1)
            ON CONFLICT (consumer, event_id) DO UPDATE SET n = test_effects.n + 1`.execute(trx);
        }
        if (fail?.()) throw new Error('effect failed');
      },
    });
    return { consumer, batches };
  }

  it('applies many events delivered at once in few transactions, each exactly once', async () => {
    const jobs = await newJobs(40);
    const { consumer, batches } = batching('grouped');
    const group = createGroupCommit(test.handle.db, consumer);
    // Every job twice at once, then all again: duplicates in one batch and across batches.
    const first = await Promise.all([...jobs, ...jobs].map((job) => group.deliver(job)));
    const again = await Promise.all(jobs.map((job) => group.deliver(job)));

    expect(first.filter((o) => o === 'applied')).toHaveLength(40);
    expect(first.filter((o) => o === 'duplicate')).toHaveLength(40);
    expect(again.every((o) => o === 'duplicate')).toBe(true);
    // All 80 deliveries of the first round were committed in a handful of transactions.
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.length).toBeLessThanOrEqual(2);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(40);
    expect(await summarizeEffects(test.handle.db)).toContainEqual({
      consumer: 'grouped',
      events: 40,
      applications: 40,
      maxPerEvent: 1,
    });
  });

  it('rejects every job of a failed batch and rolls its claims back, so retries apply them', async () => {
    const jobs = await newJobs(10);
    let failing = true;
    const { consumer } = batching('failing', () => failing);
    const group = createGroupCommit(test.handle.db, consumer);
    const results = await Promise.allSettled(jobs.map((job) => group.deliver(job)));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(
      await test.handle.db
        .selectFrom('processed_events')
        .select('event_id')
        .where('consumer', '=', 'failing')
        .execute(),
    ).toEqual([]);

    failing = false;
    const retried = await Promise.all(jobs.map((job) => group.deliver(job)));
    expect(retried.every((o) => o === 'applied')).toBe(true);
    const summary = (await summarizeEffects(test.handle.db)).find((s) => s.consumer === 'failing');
    expect(summary).toEqual({ consumer: 'failing', events: 10, applications: 10, maxPerEvent: 1 });
  });

  it('runs the work a batch hands back once, after its commit', async () => {
    const jobs = await newJobs(5);
    const seen: number[] = [];
    const consumer = defineConsumer({
      name: 'after',
      topics: [TEST_TOPIC],
      async handle() {},
      async handleBatch(_trx, events) {
        return async () => void seen.push(events.length);
      },
    });
    const group = createGroupCommit(test.handle.db, consumer);
    await Promise.all(jobs.map((job) => group.deliver(job)));
    await Promise.all(jobs.map((job) => group.deliver(job)));
    expect(seen).toEqual([5]);
  });
});
