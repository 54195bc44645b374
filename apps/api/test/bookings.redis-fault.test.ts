import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Booking } from '@evently/contracts';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { createMemoryQueue, type LockPort } from '@evently/platform';
import { type RedisServer, startRedisServer } from '@evently/platform/testing';
import { type EventlyClient, TRPCClientError } from '@evently/sdk';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '../src/kernel/app-error.js';
import { createBookingsService } from '../src/modules/bookings/bookings.service.js';
import {
  type ApiCluster,
  type ApiProcess,
  type Caller,
  clientOf,
  startApiCluster,
} from './api-cluster.js';

// Redis dies in the middle of a sale: two API processes (`pnpm start:api`) on a THROWAWAY
// redis-server (never the shared one) keep taking bookings while it is SIGKILLed, stays away for
// a while, comes back empty, and flaps once more. The lock is contention relief only: Postgres
// (the version check and the CHECK constraint) must keep every seat, and every caller must get a
// booking, SOLD_OUT or SERVICE_UNAVAILABLE — nothing else, and nothing half-written.
const USERS = 60;
const CLIENTS = 10;
const CAPACITY = 100;
const MAX_PER_BOOKING = 3;
/** How long Redis stays away while callers keep booking. */
const OUTAGE_MS = 1_500;
const HOUR = 3_600_000;
const ANSWERS = ['booked', 'SOLD_OUT', 'SERVICE_UNAVAILABLE'];

type Phase = 'before' | 'outage' | 'after';

interface Attempt {
  api: ApiProcess;
  quantity: number;
  phase: Phase;
  answer: string;
  /** When the answer came, in ms since the kill (negative before it). */
  at: number;
  booking: Booking | undefined;
  available: unknown;
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)] as T;

describe('bookings while Redis dies: two API processes on a throwaway redis-server', () => {
  let database: TestDatabase;
  let redis: RedisServer;
  let cluster: ApiCluster;
  let apis: ApiProcess[] = [];
  let organizer: EventlyClient;
  let attendees: Caller[] = [];
  const report: string[] = [];

  const db = () => database.handle.db;

  beforeAll(async () => {
    database = await createTestDatabase('bookings_redis_fault');
    redis = await startRedisServer();
    cluster = await startApiCluster({
      database: { url: database.url, db: database.handle.db },
      redisUrl: redis.url,
      redisPrefix: `t:${randomUUID()}`,
      logLevel: 'error',
    });
    apis = cluster.apis;
    const [owner] = await cluster.signIn(1, 'organizer');
    if (!owner) throw new Error('no organizer');
    organizer = clientOf(apis[0] as ApiProcess, owner);
    attendees = await cluster.signIn(USERS, 'user');
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await redis?.kill();
    await database?.drop();
    console.info(`redis fault runs: ${report.join('; ')}`);
  });

  /**
   * Organizer writes answer SERVICE_UNAVAILABLE while the cache's Redis is unreachable (a
   * reconnect after the previous test's restarts can still be under way): retry, as a client would.
   */
  async function whenAvailable<T>(call: () => Promise<T>): Promise<T> {
    return vi.waitFor(call, { timeout: 15_000, interval: 200 });
  }

  async function publishedEvent(priced: boolean, capacity = CAPACITY): Promise<string> {
    const startsAt = Date.now() + 7 * 24 * HOUR;
    const event = await whenAvailable(() =>
      organizer.events.create.mutate({
        title: `Fault sale ${randomUUID().slice(0, 8)}`,
        venue: 'Arena',
        startsAt: new Date(startsAt).toISOString(),
        endsAt: new Date(startsAt + 3 * HOUR).toISOString(),
        capacity,
        priceCents: priced ? 4_000 : 0,
        currency: 'EUR',
        maxPerBooking: MAX_PER_BOOKING,
      }),
    );
    await whenAvailable(() => organizer.events.publish.mutate({ id: event.id }));
    return event.id;
  }

  /** One booking call, reduced to its answer: the booking, or the error's appCode. */
  async function book(api: ApiProcess, user: Caller, eventId: string, quantity: number) {
    try {
      const booking = await clientOf(api, user).bookings.create.mutate({
        eventId,
        quantity,
      });
      return { answer: 'booked', booking, available: undefined };
    } catch (error) {
      const data = (error instanceof TRPCClientError ? (error.data ?? {}) : {}) as {
        appCode?: string;
        details?: { available?: unknown };
      };
      return {
        answer: data.appCode ?? `no answer (${String(error)})`,
        booking: undefined,
        available: data.details?.available,
      };
    }
  }

  /** Samples, in one statement, the inventory row and the live bookings' seats until stopped. */
  function watchInventory(eventId: string) {
    const samples: { taken: number; booked: number }[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const { rows } = await sql<{ taken: number; booked: string }>`
          SELECT i.confirmed + i.held AS taken,
            (SELECT coalesce(sum(b.quantity), 0) FROM bookings b
              WHERE b.event_id = i.event_id AND b.status IN ('pending', 'confirmed')) AS booked
          FROM event_inventory i WHERE i.event_id = ${eventId}`.execute(db());
        const row = rows[0];
        if (row) samples.push({ taken: row.taken, booked: Number(row.booked) });
        await sleep(5);
      }
    })();
    return {
      async stop() {
        running = false;
        await loop;
        return samples;
      },
    };
  }

  it.each([{ priced: true }, { priced: false }])(
    'Redis killed mid-sale, away for a while, back empty, flapping (priced: $priced): no oversell, definite answers, nothing half-written',
    async ({ priced }) => {
      const eventId = await publishedEvent(priced);
      const attempts: Attempt[] = [];
      let phase: Phase = 'before';
      let soldOut = false;
      const deadline = Date.now() + 60_000;
      let killedAt = Number.POSITIVE_INFINITY;
      let restartedAt = Number.POSITIVE_INFINITY;
      const bookedIn = (p: Phase, api?: ApiProcess) =>
        attempts.filter((a) => a.phase === p && a.booking && (!api || a.api === api)).length;
      const unavailableThrough = (api: ApiProcess) =>
        attempts.filter((a) => a.api === api && a.answer === 'SERVICE_UNAVAILABLE').length;

      // CLIENTS callers book back to back through random processes until the event is sold out;
      // on SERVICE_UNAVAILABLE they back off a little before the next try, as real clients do.
      const watcher = watchInventory(eventId);
      const caller = async () => {
        while (!soldOut && Date.now() < deadline) {
          const api = pick(apis);
          const quantity = 1 + Math.floor(Math.random() * MAX_PER_BOOKING);
          const sentIn = phase;
          const result = await book(api, pick(attendees), eventId, quantity);
          attempts.push({ api, quantity, phase: sentIn, at: Date.now() - killedAt, ...result });
          if (result.answer === 'SOLD_OUT' && result.available === 0) soldOut = true;
          if (result.answer === 'SERVICE_UNAVAILABLE') await sleep(10 + Math.random() * 20);
        }
      };
      const callers = Promise.all(Array.from({ length: CLIENTS }, caller));
      const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 30_000, interval: 5 });

      // Kill Redis while bookings are flowing (and so some batch likely holds the lock).
      await waitFor(() => expect(bookedIn('before')).toBeGreaterThanOrEqual(8));
      phase = 'outage';
      killedAt = Date.now();
      await redis.kill();
      await waitFor(() => {
        for (const api of apis) expect(unavailableThrough(api)).toBeGreaterThanOrEqual(5);
      });
      // Redis stays away for a while; the callers keep trying meanwhile.
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - killedAt)));
      const outageMs = Date.now() - killedAt;
      phase = 'after';
      await redis.restart();
      restartedAt = Date.now() - killedAt;
      // Once bookings flow again, Redis flaps: killed and back (empty) at once, while they flow.
      await waitFor(() => expect(bookedIn('after')).toBeGreaterThanOrEqual(3));
      const flapped = !soldOut;
      if (flapped) await redis.restart();
      await callers;
      const samples = await watcher.stop();

      // Every caller got a definite answer of the three allowed.
      expect(attempts.filter((a) => !ANSWERS.includes(a.answer)).map((a) => a.answer)).toEqual([]);
      expect(soldOut).toBe(true);
      expect(bookedIn('after')).toBeGreaterThan(0);

      // The books hold exactly what callers were told: a SERVICE_UNAVAILABLE wrote nothing.
      const booked = attempts.flatMap((a) => (a.booking ? [{ ...a, booking: a.booking }] : []));
      for (const { booking, quantity } of booked) {
        expect(booking).toMatchObject({
          eventId,
          quantity,
          status: priced ? 'pending' : 'confirmed',
        });
      }
      const seats = booked.reduce((sum, b) => sum + b.quantity, 0);
      const rows = await db()
        .selectFrom('bookings')
        .select(['id', 'quantity'])
        .where('event_id', '=', eventId)
        .execute();
      expect(rows.map((r) => r.id).sort()).toEqual(booked.map((b) => b.booking.id).sort());
      const inventory = await db()
        .selectFrom('event_inventory')
        .select(['capacity', 'confirmed', 'held'])
        .where('event_id', '=', eventId)
        .executeTakeFirstOrThrow();
      // Sold out exactly: no seat oversold, none lost.
      expect(seats).toBe(CAPACITY);
      expect(inventory).toEqual({
        capacity: CAPACITY,
        confirmed: priced ? 0 : CAPACITY,
        held: priced ? CAPACITY : 0,
      });
      expect(samples.length).toBeGreaterThan(0);
      for (const sample of samples) {
        expect(sample.taken).toBeLessThanOrEqual(CAPACITY);
        expect(sample.booked).toBe(sample.taken);
      }

      // One create audit row and one booking.created (plus booking.confirmed when free) each.
      const ids = rows.map((r) => r.id).sort();
      const audits = await db()
        .selectFrom('audit_log')
        .select(['entity_id', 'action'])
        .where('entity', '=', 'booking')
        .where('entity_id', 'in', ids)
        .execute();
      expect(audits.map((a) => a.entity_id).sort()).toEqual(ids);
      expect(new Set(audits.map((a) => a.action))).toEqual(new Set(['create']));
      const events = await db()
        .selectFrom('outbox')
        .select(['aggregate_id', 'topic'])
        .where('aggregate_id', 'in', ids)
        .execute();
      const withTopic = (topic: string) =>
        events
          .filter((e) => e.topic === topic)
          .map((e) => e.aggregate_id)
          .sort();
      expect(withTopic('booking.created')).toEqual(ids);
      expect(withTopic('booking.confirmed')).toEqual(priced ? [] : ids);
      expect(events).toHaveLength(priced ? ids.length : 2 * ids.length);
      // Nothing without its booking anywhere in the database.
      const { rows: orphans } = await sql<{ n: string }>`
        SELECT (SELECT count(*) FROM audit_log a WHERE a.entity = 'booking'
                  AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.id::text = a.entity_id))
             + (SELECT count(*) FROM outbox o WHERE o.topic LIKE 'booking.%'
                  AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.id::text = o.aggregate_id)) AS n
      `.execute(db());
      expect(Number(orphans[0]?.n)).toBe(0);

      // Both processes are ready again with Redis back, and both take bookings again.
      const probe = await publishedEvent(priced);
      for (const api of apis) {
        await expect
          .poll(async () => (await fetch(`${api.url}/health/ready`)).status, { timeout: 15_000 })
          .toBe(200);
        await expect
          .poll(async () => (await book(api, pick(attendees), probe, 1)).answer, {
            timeout: 15_000,
          })
          .toBe('booked');
      }
      const count = (answer: string) => attempts.filter((a) => a.answer === answer).length;
      report.push(
        `${priced ? 'paid' : 'free'}: ${attempts.length} calls, ${booked.length} bookings ` +
          `(${bookedIn('before')} before the kill, ${bookedIn('outage')} sent during the outage, ` +
          `${bookedIn('after')} after; after, by process: ${apis.map((api) => `${api.name} ${bookedIn('after', api)}`).join(', ')}), ` +
          `${count('SERVICE_UNAVAILABLE')} SERVICE_UNAVAILABLE, ${count('SOLD_OUT')} SOLD_OUT, ` +
          `outage ${outageMs} ms, flapped: ${flapped}; first booking after the restart: ${apis
            .map(
              (api) =>
                `${api.name} +${Math.min(...attempts.filter((a) => a.api === api && a.booking && a.at > restartedAt).map((a) => a.at - restartedAt))} ms`,
            )
            .join(', ')}`,
      );
    },
    90_000,
  );

  // Redlock cannot promise exclusion (a failover or a paused holder lets two in). With a lock that
  // lets EVERY caller in, two allocators run their batches on one inventory row at the same time:
  // only Postgres (the row lock and version check of the batch, the CHECK constraint) stands
  // between them and an oversell.
  it('with a lock that fails open (split brain), two allocators still never oversell', async () => {
    const capacity = 1_000;
    let holders = 0;
    let mostHolders = 0;
    const failOpen: LockPort = {
      async withLock(_key, _options, fn) {
        holders += 1;
        mostHolders = Math.max(mostHolders, holders);
        try {
          return await fn(new AbortController().signal);
        } finally {
          holders -= 1;
        }
      },
      close: async () => {},
    };
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    const instances = [0, 1].map(() =>
      createBookingsService({
        db: db(),
        locks: failOpen,
        queue: createMemoryQueue(),
        log: silent,
        holdMinutes: 15,
        offerMinutes: 30,
        now: () => new Date(),
      }),
    );
    const eventId = await publishedEvent(false, capacity);
    const watcher = watchInventory(eventId);
    // 1,000 requests (about 2,000 seats) arriving over ~300 ms: both allocators run batch after
    // batch at the same time while seats remain.
    const answers = await Promise.all(
      Array.from({ length: 1_000 }, async (_, i) => {
        await sleep(Math.random() * 300);
        const user = pick(attendees);
        const quantity = 1 + Math.floor(Math.random() * MAX_PER_BOOKING);
        const instance = instances[i % 2] as (typeof instances)[number];
        try {
          const booking = await instance.create(
            { kind: 'user', userId: user.userId, role: 'user', sessionId: randomUUID() },
            { eventId, quantity },
          );
          return { answer: 'booked', quantity, id: booking.id };
        } catch (error) {
          return {
            answer: error instanceof AppError ? error.appCode : `unexpected: ${String(error)}`,
            quantity,
            id: undefined,
          };
        }
      }),
    );
    const samples = await watcher.stop();

    const tally = new Map<string, number>();
    for (const a of answers) tally.set(a.answer, (tally.get(a.answer) ?? 0) + 1);
    expect(Object.fromEntries(tally)).toEqual({
      booked: expect.any(Number),
      SOLD_OUT: expect.any(Number),
    });
    // Both were inside the "lock" at once, again and again.
    expect(mostHolders).toBe(2);
    const booked = answers.filter((a) => a.id);
    const seats = booked.reduce((sum, a) => sum + a.quantity, 0);
    const rows = await db()
      .selectFrom('bookings')
      .select('id')
      .where('event_id', '=', eventId)
      .execute();
    expect(rows.map((r) => r.id).sort()).toEqual(booked.map((a) => a.id).sort());
    expect(
      await db()
        .selectFrom('event_inventory')
        .select(['confirmed', 'held'])
        .where('event_id', '=', eventId)
        .executeTakeFirstOrThrow(),
    ).toEqual({ confirmed: seats, held: 0 });
    for (const sample of samples) {
      expect(sample.taken).toBeLessThanOrEqual(capacity);
      expect(sample.booked).toBe(sample.taken);
    }
    const refused = answers.filter((a) => a.answer === 'SOLD_OUT').map((a) => a.quantity);
    expect(capacity - seats).toBeLessThan(Math.min(MAX_PER_BOOKING, ...refused));
    report.push(`fail-open lock: ${booked.length} bookings, ${seats}/${capacity} seats`);
  });
});
