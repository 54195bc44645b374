import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Booking } from '@evently/contracts';
import { createMemoryQueue, type LockPort } from '@evently/platform';
import type { RedisServer } from '@evently/platform/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '../src/kernel/app-error.js';
import { createBookingsService } from '../src/modules/bookings/bookings.service.js';
import { createRefundLedger } from '../src/modules/payments/refund-ledger.js';
import { useApiCluster } from './api-cluster.fixtures.js';
import { type ApiProcess, type Caller, clientOf } from './api-cluster.js';
import { outcomeOf } from './app-error.js';
import { expectAuditAndOutboxMatchBookings } from './booking-ledger.js';
import { silentLog } from './capture-log.js';
import { eventInput } from './event-input.js';
import { watchInventory } from './inventory-watcher.js';
import { memberRolesFor } from './member-roles.js';

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
  const cast = useApiCluster({
    database: 'bookings_redis_fault',
    attendees: USERS,
    redis: 'throwaway',
    logLevel: 'error',
    // Every batch takes the event lock, so every caller meets the outage: this file is about the
    // lock failing (a quiet event's batches take none, so no lock refuses them).
    env: { BOOKING_EVENT_LOCK: 'always' },
  });
  const report: string[] = [];
  afterAll(() => {
    console.info(`redis fault runs: ${report.join('; ')}`);
  });

  /** The processes' own redis-server, which the tests kill and restart. */
  function redisOfTheCluster(): RedisServer {
    const { redisServer } = cast();
    if (!redisServer) throw new Error('a throwaway redis-server was asked for');
    return redisServer;
  }

  /**
   * Organizer writes answer SERVICE_UNAVAILABLE while the cache's Redis is unreachable (a
   * reconnect after the previous test's restarts can still be under way): retry, as a client would.
   */
  async function whenAvailable<T>(call: () => Promise<T>): Promise<T> {
    return vi.waitFor(call, { timeout: 15_000, interval: 200 });
  }

  async function publishedEvent(priced: boolean, capacity = CAPACITY): Promise<string> {
    const { organizer } = cast();
    const input = eventInput({
      title: `Fault sale ${randomUUID().slice(0, 8)}`,
      venue: 'Arena',
      capacity,
      priceCents: priced ? 4_000 : 0,
      maxPerBooking: MAX_PER_BOOKING,
    });
    const event = await whenAvailable(() => organizer.events.create.mutate(input));
    await whenAvailable(() => organizer.events.publish.mutate({ id: event.id }));
    return event.id;
  }

  /** One booking call, reduced to its answer: the booking, or the error's appCode. */
  async function book(api: ApiProcess, user: Caller, eventId: string, quantity: number) {
    const outcome = await outcomeOf(
      clientOf(api, user).bookings.create.mutate({ eventId, quantity }),
    );
    return outcome.kind === 'answered'
      ? { answer: 'booked', booking: outcome.value, available: undefined }
      : { answer: outcome.code, booking: undefined, available: outcome.details?.available };
  }

  it.each([{ priced: true }, { priced: false }])(
    'Redis killed mid-sale, away for a while, back empty, flapping (priced: $priced): no oversell, definite answers, nothing half-written',
    async ({ priced }) => {
      const { apis, attendees, db } = cast();
      const redis = redisOfTheCluster();
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
      const watcher = watchInventory(db, eventId);
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
      const rows = await db
        .selectFrom('bookings')
        .select(['id', 'quantity'])
        .where('event_id', '=', eventId)
        .execute();
      expect(rows.map((r) => r.id).sort()).toEqual(booked.map((b) => b.booking.id).sort());
      const inventory = await db
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

      // One create audit row and one booking.created (plus booking.confirmed when free) each,
      // nothing without its booking anywhere in the database.
      await expectAuditAndOutboxMatchBookings(db);

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
    const { attendees, db } = cast();
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
    const instances = [0, 1].map(() =>
      createBookingsService({
        db,
        locks: failOpen,
        queue: createMemoryQueue(),
        log: silentLog,
        holdMinutes: 15,
        offerMinutes: 30,
        eventLock: 'always',
        roles: memberRolesFor(db),
        refunds: createRefundLedger({ stripeEnabled: false }),
        now: () => new Date(),
      }),
    );
    const eventId = await publishedEvent(false, capacity);
    const watcher = watchInventory(db, eventId);
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
    const rows = await db
      .selectFrom('bookings')
      .select('id')
      .where('event_id', '=', eventId)
      .execute();
    expect(rows.map((r) => r.id).sort()).toEqual(booked.map((a) => a.id).sort());
    expect(
      await db
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
