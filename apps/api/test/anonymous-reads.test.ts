import { randomUUID } from 'node:crypto';
import type { Event } from '@evently/contracts';
import { connectTestRedis } from '@evently/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS_READS_PER_MINUTE } from '../src/trpc/anonymous-read-limit.js';
import { eventInput } from './event-input.js';
import { startTestApp, type TestApp } from './harness.js';
import { undelivered } from './outbox-delivery.js';
import { callRaw, routerProcedures, sampleInputs } from './router-procedures.js';

// Reads by callers nobody signed in: what they leave in Redis, and how many a network gets.

type Redis = Awaited<ReturnType<typeof connectTestRedis>>;

interface BatchAnswer {
  error?: { data?: { appCode?: string; details?: { retryAfterSeconds?: number } } };
}

describe('anonymous reads', () => {
  let app: TestApp;
  let redis: Redis;
  let event: Event;
  beforeAll(async () => {
    app = await startTestApp();
    redis = await connectTestRedis();
    const organizer = await app.signUp({ role: 'organizer' });
    const draft = await organizer.client.events.create.mutate(
      eventInput({ title: 'Open house', priceCents: 0 }),
    );
    event = await organizer.client.events.publish.mutate({ id: draft.id });
    // The worker settled: what it does with these events is not the readers' doing.
    const settled = Date.now() + 30_000;
    while ((await undelivered(app.db.handle.db)) > 0 && Date.now() < settled) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  afterAll(async () => {
    redis?.disconnect();
    await app?.close();
  });

  /** One batched GET of `calls` (procedure, input) from `ip`, as a browser sends it. */
  async function batch(ip: string, calls: [string, unknown][]): Promise<BatchAnswer[]> {
    const paths = calls.map(([path]) => path).join(',');
    const input = Object.fromEntries(calls.map(([, value], i) => [i, value]));
    const response = await fetch(
      `${app.url}/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`,
      { headers: { 'x-forwarded-for': ip } },
    );
    return (await response.json()) as BatchAnswer[];
  }

  const keysUnder = async (part: string) =>
    (await redis.keys(`${app.redisPrefix}:${part}*`)).sort();

  it('reads of ids that do not exist leave no cache state (4 batches of 50 random ids)', async () => {
    const cacheBefore = await keysUnder('cache:');
    const allBefore = await keysUnder('');
    const ip = '10.90.0.1';
    for (const path of ['events.get', 'events.get', 'bookings.availability', 'events.get']) {
      const answers = await batch(
        ip,
        Array.from({ length: 50 }, () => [
          path,
          path === 'events.get' ? { id: randomUUID() } : { eventId: randomUUID() },
        ]),
      );
      expect(answers.map((a) => a.error?.data?.appCode)).toEqual(Array(50).fill('NOT_FOUND'));
    }
    expect(await keysUnder('cache:')).toEqual(cacheBefore);
    // All that grew: this address's rate-limit counter. (BullMQ's keys move on the worker's
    // own clock — schedules, finished jobs — whatever the readers do.)
    const grown = (await keysUnder(''))
      .filter((key) => !allBefore.includes(key))
      .filter((key) => !key.startsWith(`${app.redisPrefix}:bull:`));
    expect(grown).toEqual([`${app.redisPrefix}:rl:anonymous-read:${ip}`]);
  });

  /** Spends the network's whole budget on cached reads of one event; answers the answers. */
  async function exhaust(ip: string): Promise<void> {
    let spent = 0;
    while (spent < ANONYMOUS_READS_PER_MINUTE) {
      const size = Math.min(50, ANONYMOUS_READS_PER_MINUTE - spent);
      const answers = await batch(ip, Array(size).fill(['events.get', { id: event.id }]));
      expect(answers.filter((a) => a.error)).toEqual([]);
      spent += size;
    }
  }

  it(`allows ${ANONYMOUS_READS_PER_MINUTE} reads a minute per address, then RATE_LIMITED on every anonymous query, with retryAfterSeconds`, async () => {
    const ip = '10.90.1.1';
    const hits = () => app.services.publicAnswers.stats().hits;
    const hitsBefore = hits();
    await exhaust(ip);
    // Batches after the first are answered from memory (cache/public-answers.ts) while the kept
    // answer is under a second old. One such batch is enough for what follows to prove that
    // hits count: uncounted, it would leave 50 reads of budget.
    expect(hits() - hitsBefore).toBeGreaterThanOrEqual(50);
    const [limited] = await batch(ip, [['events.get', { id: event.id }]]);
    expect(limited?.error?.data?.appCode).toBe('RATE_LIMITED');
    const retry = limited?.error?.data?.details?.retryAfterSeconds ?? 0;
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);

    // Every query of the router that answers an anonymous caller (found by asking each from a
    // fresh address) is behind the same budget.
    const samples = sampleInputs();
    const queries = routerProcedures.filter((p) => p.type !== 'mutation');
    const open: string[] = [];
    for (const [i, procedure] of queries.entries()) {
      const fresh = await callRaw(app.url, procedure, samples[procedure.path], {
        'x-forwarded-for': `10.91.0.${i + 1}`,
      });
      if (fresh.appCode === 'UNAUTHENTICATED') continue;
      open.push(procedure.path);
      const spent = await callRaw(app.url, procedure, samples[procedure.path], {
        'x-forwarded-for': ip,
      });
      expect({ path: procedure.path, appCode: spent.appCode }).toEqual({
        path: procedure.path,
        appCode: 'RATE_LIMITED',
      });
    }
    expect(open).toEqual(
      expect.arrayContaining(['events.get', 'events.list', 'bookings.availability']),
    );

    // A signed-in reader on the same address is not an anonymous read.
    const user = await app.signUp();
    const signedIn = app.client(user.tokens.accessToken, { 'x-forwarded-for': ip });
    expect((await signedIn.events.get.query({ id: event.id })).id).toBe(event.id);
  });

  it('counts an IPv6 client by its /64: another address of the network shares the budget', async () => {
    await exhaust('2001:db8:7:1::1');
    const [sameNetwork] = await batch('2001:db8:7:1:ffff:ffff:ffff:fffe', [
      ['events.get', { id: event.id }],
    ]);
    expect(sameNetwork?.error?.data?.appCode).toBe('RATE_LIMITED');
    const [otherNetwork] = await batch('2001:db8:7:2::1', [['events.get', { id: event.id }]]);
    expect(otherNetwork?.error).toBeUndefined();
  });
});
