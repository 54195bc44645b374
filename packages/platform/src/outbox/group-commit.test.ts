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

  it("delivers a batch job's events with the other jobs' and settles it when all committed", async () => {
    const jobs = await newJobs(12);
    const { consumer, batches } = batching('batch-jobs');
    const group = createGroupCommit(test.handle.db, consumer);
    const batchJob = { events: jobs.slice(0, 8) };
    const outcomes = await Promise.all([
      group.deliver(batchJob),
      ...jobs.slice(6).map((job) => group.deliver(job)),
    ]);
    // The batch job applied its 8; of the 6 single jobs, 2 repeat events of the batch.
    expect(outcomes[0]).toBe('applied');
    expect(outcomes.slice(1).filter((o) => o === 'duplicate')).toHaveLength(2);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(12);
    expect(await group.deliver(batchJob)).toBe('duplicate');
    expect(
      (await summarizeEffects(test.handle.db)).find((e) => e.consumer === 'batch-jobs'),
    ).toEqual({
      consumer: 'batch-jobs',
      events: 12,
      applications: 12,
      maxPerEvent: 1,
    });
  });

  it('fails only the jobs of an event that cannot be applied; the rest of its batch commits', async () => {
    const jobs = await newJobs(10);
    const poison = jobs[3]?.id ?? expect.unreachable();
    const consumer = defineConsumer({
      name: 'poisoned',
      topics: [TEST_TOPIC],
      async handle() {},
      async handleBatch(trx, events) {
        for (const event of events) {
          await sql`INSERT INTO test_effects (consumer, event_id, n) VALUES ('poisoned', ${event.id}, 1)
            ON CONFLICT (consumer, event_id) DO UPDATE SET n = test_effects.n + 1`.execute(trx);
        }
        if (events.some((e) => e.id === poison)) throw new Error('cannot apply this one');
      },
    });
    const group = createGroupCommit(test.handle.db, consumer);
    // One batch job with all ten, and the poison's own job beside it.
    const results = await Promise.allSettled([
      group.deliver({ events: jobs }),
      group.deliver(jobs[3]),
      group.deliver(jobs[4]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    const claimed = await test.handle.db
      .selectFrom('processed_events')
      .select('event_id')
      .where('consumer', '=', 'poisoned')
      .execute();
    expect(new Set(claimed.map((r) => r.event_id))).toEqual(
      new Set(jobs.map((j) => j.id).filter((id) => id !== poison)),
    );
    expect((await summarizeEffects(test.handle.db)).find((e) => e.consumer === 'poisoned')).toEqual(
      {
        consumer: 'poisoned',
        events: 9,
        applications: 9,
        maxPerEvent: 1,
      },
    );
  });

  it('applies the good events of a batch job with a malformed one, then fails the job', async () => {
    const jobs = await newJobs(3);
    const { consumer } = batching('malformed');
    const group = createGroupCommit(test.handle.db, consumer);
    const bad = { ...jobs[1], version: 99 };
    await expect(group.deliver({ events: [jobs[0], bad, jobs[2]] })).rejects.toThrow(/v99/);
    const claimed = await test.handle.db
      .selectFrom('processed_events')
      .select('event_id')
      .where('consumer', '=', 'malformed')
      .execute();
    expect(new Set(claimed.map((r) => r.event_id))).toEqual(new Set([jobs[0]?.id, jobs[2]?.id]));
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

  it('fails the jobs of a batch whose after-commit work throws; the effect stays committed', async () => {
    const jobs = await newJobs(2);
    const consumer = defineConsumer({
      name: 'announce-fails',
      topics: [TEST_TOPIC],
      async handle() {},
      async handleBatch(trx, events) {
        for (const event of events) {
          await sql`INSERT INTO test_effects (consumer, event_id, n)
            VALUES ('announce-fails', ${event.id}, 1)`.execute(trx);
        }
        return async () => {
          throw new Error('pub/sub down');
        };
      },
    });
    const group = createGroupCommit(test.handle.db, consumer);
    const results = await Promise.allSettled(jobs.map((job) => group.deliver(job)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    // A retry finds the events claimed: duplicates, nothing applied twice.
    expect(await Promise.all(jobs.map((job) => group.deliver(job)))).toEqual([
      'duplicate',
      'duplicate',
    ]);
    expect(await summarizeEffects(test.handle.db)).toContainEqual({
      consumer: 'announce-fails',
      events: 2,
      applications: 2,
      maxPerEvent: 1,
    });
  });
});
