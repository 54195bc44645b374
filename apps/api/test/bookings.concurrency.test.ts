import { randomUUID } from 'node:crypto';
import type { Booking } from '@evently/contracts';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { createMemoryQueue, createRedisLocks } from '@evently/platform';
import { connectTestRedis, deleteKeysByPrefix, TEST_REDIS_URL } from '@evently/platform/testing';
import { type EventlyClient, TRPCClientError } from '@evently/sdk';
import { sql, TableNode, UpdateQueryNode } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/kernel/app-error.js';
import { createBookingsService } from '../src/modules/bookings/bookings.service.js';
import {
  type ApiCluster,
  type ApiProcess,
  type Caller,
  clientOf,
  startApiCluster,
} from './api-cluster.js';

// The promise of issue 5 under a flash sale: two API processes (`pnpm start:api`, the production
// layout) on one Postgres database and one Redis prefix; 1,000 concurrent bookings of 1–3 seats
// against capacity 100, ten times. Nothing may be oversold, lost, half-written or left unanswered.
// Beside it: one idempotency key raced over both processes, and checkout churn (holds confirmed
// and cancelled mid-sale) against two in-process allocators.
const RUNS = 10;
const USERS = 200;
const REQUESTS_PER_USER = 5;
const CAPACITY = 100;
const MAX_PER_BOOKING = 3;
const HOUR = 3_600_000;

type Outcome =
  | { kind: 'booked'; booking: Booking }
  | { kind: 'refused'; code: string; details: Record<string, unknown> | undefined };

interface Attempt {
  user: Caller;
  quantity: number;
  api: ApiProcess;
  outcome: Outcome;
}

async function outcomeOf(call: Promise<Booking>): Promise<Outcome> {
  try {
    return { kind: 'booked', booking: await call };
  } catch (error) {
    if (error instanceof TRPCClientError) {
      const data = (error.data ?? {}) as {
        appCode?: string;
        details?: Record<string, unknown>;
      };
      return {
        kind: 'refused',
        code: data.appCode ?? `no answer (${error.message})`,
        details: data.details,
      };
    }
    return { kind: 'refused', code: `no answer (${String(error)})`, details: undefined };
  }
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

describe('bookings under a flash sale: two API processes, 1,000 concurrent bookings, 10 times', () => {
  let database: TestDatabase;
  const prefix = `t:${randomUUID()}`;
  let cluster: ApiCluster;
  let apis: ApiProcess[] = [];
  let organizer: EventlyClient;
  let attendees: Caller[] = [];
  const seatsBookedThrough = new Map<string, number>();
  const durations: { run: number; priced: boolean; ms: number; bookings: number }[] = [];

  const db = () => database.handle.db;

  beforeAll(async () => {
    database = await createTestDatabase('bookings_concurrency');
    cluster = await startApiCluster({
      database: { url: database.url, db: database.handle.db },
      redisUrl: TEST_REDIS_URL,
      redisPrefix: prefix,
    });
    apis = cluster.apis;
    const [owner] = await cluster.signIn(1, 'organizer');
    if (!owner) throw new Error('no organizer');
    organizer = clientOf(apis[0] as ApiProcess, owner);
    attendees = await cluster.signIn(USERS, 'user');
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await database?.drop();
    const redis = await connectTestRedis();
    await deleteKeysByPrefix(redis, `${prefix}:`);
    redis.disconnect();
    console.info(
      `flash sale runs (1,000 bookings.create each): ${durations
        .map((d) => `#${d.run} ${d.priced ? 'paid' : 'free'} ${d.ms} ms (${d.bookings} bookings)`)
        .join(
          ', ',
        )}; seats booked per process: ${JSON.stringify(Object.fromEntries(seatsBookedThrough))}`,
    );
  });

  async function publishedEvent(priced: boolean): Promise<string> {
    const startsAt = Date.now() + 7 * 24 * HOUR;
    const event = await organizer.events.create.mutate({
      title: `Flash sale ${randomUUID().slice(0, 8)}`,
      venue: 'Arena',
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(startsAt + 3 * HOUR).toISOString(),
      capacity: CAPACITY,
      priceCents: priced ? 2_500 : 0,
      currency: 'EUR',
      maxPerBooking: MAX_PER_BOOKING,
    });
    await organizer.events.publish.mutate({ id: event.id });
    return event.id;
  }

  /**
   * Reads, in one statement (one snapshot), the inventory row and the sum of live bookings, over
   * and over until stopped: both must stay within capacity and equal at every instant.
   */
  function watchInventory(eventId: string) {
    const samples: { capacity: number; taken: number; booked: number }[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const { rows } = await sql<{ capacity: number; taken: number; booked: string }>`
          SELECT i.capacity, i.confirmed + i.held AS taken,
            (SELECT coalesce(sum(b.quantity), 0) FROM bookings b
              WHERE b.event_id = i.event_id AND b.status IN ('pending', 'confirmed')) AS booked
          FROM event_inventory i WHERE i.event_id = ${eventId}`.execute(db());
        const row = rows[0];
        if (row) samples.push({ ...row, booked: Number(row.booked) });
        await new Promise((resolve) => setTimeout(resolve, 5));
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

  /**
   * Every booking's audit rows and outbox events are exactly those of its life, one each: `create`
   * and `booking.created`; `booking.confirmed` when confirmed (plus a `confirm` audit row when a
   * hold was confirmed later); `cancel` and `booking.cancelled` when cancelled. Nothing exists
   * without its booking. Over the whole database (every run so far).
   */
  async function expectAuditAndOutboxMatchBookings(): Promise<void> {
    const bookings = await db()
      .selectFrom('bookings')
      .select(['id', 'status', 'unit_price_cents'])
      .execute();
    const lives = (entries: { id: string | null; what: string }[]) => {
      const byId = new Map<string, string[]>();
      for (const { id, what } of entries) byId.set(id ?? '', [...(byId.get(id ?? '') ?? []), what]);
      return Object.fromEntries([...byId].map(([id, whats]) => [id, whats.sort()]));
    };
    const expected = bookings.map((b) => {
      const held = Number(b.unit_price_cents) > 0;
      const confirmed = b.status === 'confirmed';
      const cancelled = b.status === 'cancelled';
      return {
        id: b.id,
        audits: [
          'create',
          ...(confirmed && held ? ['confirm'] : []),
          ...(cancelled ? ['cancel'] : []),
        ],
        events: [
          'booking.created',
          ...(confirmed ? ['booking.confirmed'] : []),
          ...(cancelled ? ['booking.cancelled'] : []),
        ],
      };
    });
    const audits = await db()
      .selectFrom('audit_log')
      .select(['entity_id', 'action'])
      .where('entity', '=', 'booking')
      .execute();
    const events = await db()
      .selectFrom('outbox')
      .select(['aggregate_id', 'topic'])
      .where('topic', 'like', 'booking.%')
      .execute();
    expect(lives(audits.map((a) => ({ id: a.entity_id, what: a.action })))).toEqual(
      lives(expected.flatMap((e) => e.audits.map((what) => ({ id: e.id, what })))),
    );
    expect(lives(events.map((e) => ({ id: e.aggregate_id, what: e.topic })))).toEqual(
      lives(expected.flatMap((e) => e.events.map((what) => ({ id: e.id, what })))),
    );
  }

  it.each(Array.from({ length: RUNS }, (_, i) => ({ run: i + 1, priced: i % 2 === 0 })))(
    'run $run (priced: $priced): never oversold, every caller answered, books and logs agree',
    async ({ run, priced }) => {
      const eventId = await publishedEvent(priced);
      const planned = shuffled(
        attendees.flatMap((user) =>
          Array.from({ length: REQUESTS_PER_USER }, () => ({
            user,
            quantity: 1 + Math.floor(Math.random() * MAX_PER_BOOKING),
            api: apis[Math.floor(Math.random() * apis.length)] as ApiProcess,
          })),
        ),
      );
      const watcher = watchInventory(eventId);
      const started = performance.now();
      const attempts: Attempt[] = await Promise.all(
        planned.map(async (plan) => ({
          ...plan,
          outcome: await outcomeOf(
            clientOf(plan.api, plan.user).bookings.create.mutate({
              eventId,
              quantity: plan.quantity,
            }),
          ),
        })),
      );
      const ms = Math.round(performance.now() - started);
      const samples = await watcher.stop();

      // Every caller got a definite answer: a booking or SOLD_OUT — no timeout, no INTERNAL.
      const answers = new Map<string, number>();
      for (const a of attempts) {
        const key = a.outcome.kind === 'booked' ? 'booked' : a.outcome.code;
        answers.set(key, (answers.get(key) ?? 0) + 1);
      }
      expect(Object.fromEntries(answers)).toEqual({
        booked: expect.any(Number),
        SOLD_OUT: expect.any(Number),
      });

      const booked = attempts.flatMap((a) =>
        a.outcome.kind === 'booked' ? [{ ...a, booking: a.outcome.booking }] : [],
      );
      for (const { booking, user, quantity } of booked) {
        expect(booking).toMatchObject({
          eventId,
          userId: user.userId,
          quantity,
          status: priced ? 'pending' : 'confirmed',
          totalCents: quantity * (priced ? 2_500 : 0),
        });
        expect(booking.expiresAt === null).toBe(!priced);
      }
      for (const { api, quantity } of booked) {
        seatsBookedThrough.set(api.name, (seatsBookedThrough.get(api.name) ?? 0) + quantity);
      }
      const seats = booked.reduce((sum, b) => sum + b.quantity, 0);

      // The bookings table is exactly what the callers were told, and the inventory row agrees.
      const rows = await db()
        .selectFrom('bookings')
        .select(['id', 'user_id', 'quantity', 'status'])
        .where('event_id', '=', eventId)
        .execute();
      expect(rows.map((r) => r.id).sort()).toEqual(booked.map((b) => b.booking.id).sort());
      expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
      const inventory = await db()
        .selectFrom('event_inventory')
        .select(['capacity', 'confirmed', 'held'])
        .where('event_id', '=', eventId)
        .executeTakeFirstOrThrow();
      const { live } = await db()
        .selectFrom('bookings')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('quantity'), sql<string>`0`).as('live'))
        .where('event_id', '=', eventId)
        .where('status', 'in', ['pending', 'confirmed'])
        .executeTakeFirstOrThrow();
      expect(Number(live)).toBe(seats);
      expect(inventory).toEqual({
        capacity: CAPACITY,
        confirmed: priced ? 0 : seats,
        held: priced ? seats : 0,
      });
      expect(seats).toBeLessThanOrEqual(CAPACITY);

      // Never over capacity at any instant of the run, and never a half-applied batch.
      expect(samples.length).toBeGreaterThan(0);
      for (const sample of samples) {
        expect(sample.taken).toBeLessThanOrEqual(CAPACITY);
        expect(sample.booked).toBe(sample.taken);
      }

      // No capacity was lost: a refusal of q seats means fewer than q were free then, and seats
      // only got fewer after — so what remains is below every refused quantity (and below 3).
      const refusedQuantities = attempts.flatMap((a) =>
        a.outcome.kind === 'refused' ? [a.quantity] : [],
      );
      expect(CAPACITY - seats).toBeLessThan(Math.min(MAX_PER_BOOKING, ...refusedQuantities));

      await expectAuditAndOutboxMatchBookings();
      durations.push({ run, priced, ms, bookings: booked.length });
    },
    90_000,
  );

  it('one idempotency key, 50 parallel identical requests over both processes: one booking', async () => {
    const eventId = await publishedEvent(true);
    const [user] = attendees;
    if (!user) throw new Error('no attendee');
    const idempotencyKey = `flash-${randomUUID()}`;
    const call = (api: ApiProcess, quantity: number) =>
      outcomeOf(
        clientOf(api, user).bookings.create.mutate({
          eventId,
          quantity,
          idempotencyKey,
        }),
      );
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call(apis[i % apis.length] as ApiProcess, 2)),
    );
    const ids = new Set(outcomes.map((o) => (o.kind === 'booked' ? o.booking.id : o.code)));
    expect(ids.size).toBe(1);
    const [id] = ids;
    const rows = await db()
      .selectFrom('bookings')
      .select(['id', 'quantity'])
      .where('event_id', '=', eventId)
      .execute();
    expect(rows).toEqual([{ id, quantity: 2 }]);
    for (const api of apis) {
      expect(await call(api, 3)).toMatchObject({ kind: 'refused', code: 'IDEMPOTENCY_KEY_REUSED' });
      expect(await call(api, 2)).toMatchObject({ kind: 'booked', booking: { id } });
    }
    await expectAuditAndOutboxMatchBookings();
  });

  it('spread the bookings over both processes', () => {
    expect([...seatsBookedThrough.keys()].sort()).toEqual(['A', 'B']);
  });

  // Checkout churn: while a hot paid event sells, its holds are confirmed and cancelled. Those are
  // single-booking transactions that move seats on the same inventory row; a batch must not keep
  // losing its version race to them (re-reading and backing off while it holds the event lock),
  // so the allocator locks the row it reads. In process, with two allocators over Redis locks, to
  // count the version races.
  it('holds confirmed and cancelled during the sale never make a batch lose its version race', async () => {
    const capacity = 300;
    const inventoryUpdates = new Set<unknown>();
    let lostRaces = 0;
    const observed = db().withPlugin({
      transformQuery({ node, queryId }) {
        if (
          UpdateQueryNode.is(node) &&
          node.table &&
          TableNode.is(node.table) &&
          node.table.table.identifier.name === 'event_inventory'
        ) {
          inventoryUpdates.add(queryId);
        }
        return node;
      },
      // Only the allocator's version-checked update can match no row.
      async transformResult({ queryId, result }) {
        if (inventoryUpdates.delete(queryId) && result.numAffectedRows === 0n) lostRaces += 1;
        return result;
      },
    });
    const connections = [connectTestRedis(), connectTestRedis()];
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    const instances = await Promise.all(
      connections.map(async (redis) =>
        createBookingsService({
          db: observed,
          locks: await createRedisLocks(await redis, { prefix: `${prefix}:in-process:` }),
          queue: createMemoryQueue(),
          log: silent,
          holdMinutes: 15,
          offerMinutes: 30,
          now: () => new Date(),
        }),
      ),
    );
    try {
      const startsAt = Date.now() + 7 * 24 * HOUR;
      const event = await organizer.events.create.mutate({
        title: `Checkout churn ${randomUUID().slice(0, 8)}`,
        venue: 'Arena',
        startsAt: new Date(startsAt).toISOString(),
        endsAt: new Date(startsAt + 3 * HOUR).toISOString(),
        capacity,
        priceCents: 1_000,
        currency: 'EUR',
        maxPerBooking: MAX_PER_BOOKING,
      });
      await organizer.events.publish.mutate({ id: event.id });
      const eventId = event.id;
      const answers = new Map<string, number>();
      const count = (answer: string) => answers.set(answer, (answers.get(answer) ?? 0) + 1);
      const answerOf = (error: unknown) =>
        error instanceof AppError ? error.appCode : `unexpected: ${String(error)}`;
      // 600 bookings arriving over ~600 ms; each hold is at once confirmed (2 in 3) or cancelled
      // (1 in 3) by its owner through the other instance, freeing seats for later requests.
      await Promise.all(
        Array.from({ length: 600 }, async (_, i) => {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 600));
          const user = attendees[i % attendees.length] as Caller;
          const principal = {
            kind: 'user' as const,
            userId: user.userId,
            role: 'user' as const,
            sessionId: randomUUID(),
          };
          const [here, there] = i % 2 === 0 ? instances : [...instances].reverse();
          if (!here || !there) throw new Error('two instances expected');
          let booking: Booking;
          try {
            booking = await here.create(principal, { eventId, quantity: 1 + (i % 3) });
            count('booked');
          } catch (error) {
            count(answerOf(error));
            return;
          }
          try {
            if (i % 3 === 0) await there.cancel(principal, { bookingId: booking.id });
            else await there.confirm(principal, booking.id);
            count(i % 3 === 0 ? 'cancelled' : 'confirmed');
          } catch (error) {
            count(`then ${answerOf(error)}`);
          }
        }),
      );
      const tally = Object.fromEntries(answers);
      expect(Object.keys(tally).sort()).toEqual(
        ['SOLD_OUT', 'booked', 'cancelled', 'confirmed'].filter((k) => k in tally).sort(),
      );
      expect(tally.booked).toBe((tally.cancelled ?? 0) + (tally.confirmed ?? 0));
      expect(tally.cancelled).toBeGreaterThan(0);
      expect(lostRaces).toBe(0);

      const rows = await db()
        .selectFrom('bookings')
        .select(['id', 'status', 'quantity'])
        .where('event_id', '=', eventId)
        .execute();
      expect(rows).toHaveLength(tally.booked ?? 0);
      const seatsIn = (status: string) =>
        rows.filter((r) => r.status === status).reduce((sum, r) => sum + r.quantity, 0);
      expect(seatsIn('pending')).toBe(0);
      expect(
        await db()
          .selectFrom('event_inventory')
          .select(['confirmed', 'held'])
          .where('event_id', '=', eventId)
          .executeTakeFirstOrThrow(),
      ).toEqual({ confirmed: seatsIn('confirmed'), held: 0 });
      expect(seatsIn('confirmed')).toBeLessThanOrEqual(capacity);
      await expectAuditAndOutboxMatchBookings();
      console.info(`checkout churn: ${JSON.stringify(tally)}, ${lostRaces} lost version races`);
    } finally {
      for (const redis of connections) (await redis).disconnect();
    }
  });
});
