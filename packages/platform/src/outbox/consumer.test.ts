import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeliveryOutcome, defineConsumer, deliverEvent } from './consumer.js';
import { type DeliveryJob, toDeliveryJob } from './delivery-job.js';
import { createEffectsTable, testConsumers } from './fixtures/test-consumers.js';
import { appendTestEvents } from './fixtures/test-events.js';

describe('deliverEvent', () => {
  let test: TestDatabase;
  const [alpha, beta] = testConsumers();
  if (!alpha || !beta) throw new Error('two test consumers expected');

  beforeAll(async () => {
    test = await createTestDatabase('consumer');
    await createEffectsTable(test.handle.db);
  });
  afterAll(async () => test?.drop());

  async function newJob(): Promise<DeliveryJob> {
    const [id] = await appendTestEvents(test.handle.db, 1);
    const row = await test.handle.db
      .selectFrom('outbox')
      .selectAll()
      .where('id', '=', id ?? '')
      .executeTakeFirstOrThrow();
    return toDeliveryJob(row);
  }

  async function effect(consumer: string, eventId: string): Promise<number | undefined> {
    const { rows } = await sql<{ n: number }>`
      SELECT n FROM test_effects WHERE consumer = ${consumer} AND event_id = ${eventId}`.execute(
      test.handle.db,
    );
    return rows[0]?.n;
  }

  async function processed(eventId: string): Promise<string[]> {
    const rows = await test.handle.db
      .selectFrom('processed_events')
      .select('consumer')
      .where('event_id', '=', eventId)
      .orderBy('consumer')
      .execute();
    return rows.map((r) => r.consumer);
  }

  it('applies an event once per consumer; a redelivery changes nothing', async () => {
    const job = await newJob();
    expect(await deliverEvent(test.handle.db, alpha, job)).toBe('applied');
    expect(await deliverEvent(test.handle.db, alpha, job)).toBe('duplicate');
    expect(await deliverEvent(test.handle.db, beta, job)).toBe('applied');
    expect(await effect('alpha', job.id)).toBe(1);
    expect(await effect('beta', job.id)).toBe(1);
    expect(await processed(job.id)).toEqual(['alpha', 'beta']);
  });

  it('delivers each event of a batch job in its own transaction; a bad one fails the job last', async () => {
    const [first, second] = [await newJob(), await newJob()];
    const bad = { ...second, id: randomUUID(), version: 7 };
    await expect(
      deliverEvent(test.handle.db, alpha, { events: [first, bad, second] }),
    ).rejects.toThrow(/v7/);
    expect(await effect('alpha', first.id)).toBe(1);
    expect(await effect('alpha', second.id)).toBe(1);
    expect(await deliverEvent(test.handle.db, alpha, { events: [first, second] })).toBe(
      'duplicate',
    );
    expect(await effect('alpha', second.id)).toBe(1);
  });

  it('rolls the claim back with a failed effect, so a retry applies it', async () => {
    const job = await newJob();
    let fail = true;
    const flaky = defineConsumer({
      name: 'flaky',
      topics: ['event.created'],
      async handle(trx, event) {
        await sql`INSERT INTO test_effects VALUES ('flaky', ${event.id}, 1)`.execute(trx);
        if (fail) throw new Error('effect failed');
      },
    });
    await expect(deliverEvent(test.handle.db, flaky, job)).rejects.toThrow('effect failed');
    expect(await processed(job.id)).toEqual([]);
    expect(await effect('flaky', job.id)).toBeUndefined();
    fail = false;
    expect(await deliverEvent(test.handle.db, flaky, job)).toBe('applied');
    expect(await effect('flaky', job.id)).toBe(1);
  });

  it('runs the work an effect hands back after its commit, never for a duplicate or a failure', async () => {
    const job = await newJob();
    const seen: Array<number | undefined> = [];
    let fail = true;
    const notifying = defineConsumer({
      name: 'notifying',
      topics: ['event.created'],
      async handle(trx, event) {
        await sql`INSERT INTO test_effects VALUES ('notifying', ${event.id}, 1)`.execute(trx);
        if (fail) throw new Error('effect failed');
        // Read outside the transaction: the effect must already be visible to others.
        return async () => void seen.push(await effect('notifying', event.id));
      },
    });
    await expect(deliverEvent(test.handle.db, notifying, job)).rejects.toThrow('effect failed');
    expect(seen).toEqual([]);
    fail = false;
    expect(await deliverEvent(test.handle.db, notifying, job)).toBe('applied');
    expect(await deliverEvent(test.handle.db, notifying, job)).toBe('duplicate');
    expect(seen).toEqual([1]);
  });

  it('applies concurrent duplicates exactly once', async () => {
    const job = await newJob();
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () => deliverEvent(test.handle.db, alpha, job)),
    );
    const count = (o: DeliveryOutcome) => outcomes.filter((x) => x === o).length;
    expect(count('applied')).toBe(1);
    expect(count('duplicate')).toBe(5);
    expect(await effect('alpha', job.id)).toBe(1);
  });

  it('refuses job data or payloads the catalogue does not accept, recording nothing', async () => {
    const job = await newJob();
    await expect(deliverEvent(test.handle.db, alpha, { ...job, id: 'nope' })).rejects.toThrow();
    await expect(
      deliverEvent(test.handle.db, alpha, { ...job, payload: { ...job.payload, eventId: 7 } }),
    ).rejects.toThrow(/eventId/);
    await expect(deliverEvent(test.handle.db, alpha, { ...job, version: 2 })).rejects.toThrow(/v2/);
    await expect(
      deliverEvent(test.handle.db, alpha, { ...job, topic: 'no.such_topic' }),
    ).rejects.toThrow(/unknown topic/);
    expect(await processed(job.id)).toEqual([]);
  });

  it('ignores a topic the consumer does not subscribe to', async () => {
    const job = await newJob();
    const other = {
      ...job,
      topic: 'event.deleted',
      payload: { eventId: randomUUID(), organizerId: randomUUID() },
    };
    expect(await deliverEvent(test.handle.db, alpha, other)).toBe('ignored');
    expect(await processed(job.id)).toEqual([]);
  });

  it('refuses a consumer name that is not kebab-case', () => {
    expect(() =>
      defineConsumer({ name: 'Mail:Sender', topics: ['user.registered'], handle: async () => {} }),
    ).toThrow(/kebab-case/);
  });
});
