import { type EventlyClient, TRPCClientError } from '@evently/sdk';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rebuildAnalytics } from '../src/modules/analytics/rebuild.js';
import { expectFiguresMatchSourceTables } from './analytics.figures.js';
import { waitForProjection } from './analytics.fixtures.js';
import { eventTruths, readModels } from './analytics.truth.js';
import { seededRandom } from './booking-mix.js';
import { silentLog } from './capture-log.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';

// Issue 6's consistency promise: a random mix of 5,000 bookings, confirmations, cancellations,
// expiries, waitlist joins (offers, confirmed or declined) and event cancellations over many
// events, through the real API with the worker projecting; then every analytics figure equals a
// count straight from the source tables, to the cent — and a rebuild from those tables equals
// the projection.
const OPERATIONS = 5_000;
const CONCURRENCY = 16;
const ORGANIZERS = 3;
const USERS = 12;
const EVENTS = 24;
const EVENT_CANCELLATIONS = 4;
const HOLD_MS = 1_500;
const SEED = Number(process.env.ANALYTICS_SEED ?? Date.now() % 1_000_000);

// Refusals the rules allow for a random mix; anything else fails the test.
const EXPECTED_REFUSALS = new Set([
  'SOLD_OUT',
  'INVALID_STATE',
  'BOOKING_EXPIRED',
  'EVENT_NOT_BOOKABLE',
  'QUANTITY_LIMIT_EXCEEDED',
  'SERVICE_UNAVAILABLE',
]);

describe('analytics consistency', () => {
  let app: TestApp;
  let admin: SignedUp;
  let organizers: SignedUp[];
  let users: SignedUp[];
  let events: Array<{ id: string; organizer: SignedUp }>;
  const outcomes = new Map<string, number>();
  const rand = seededRandom(SEED);
  const pick = <T>(list: readonly T[]): T => {
    const item = list[Math.floor(rand() * list.length)];
    if (item === undefined) throw new Error('empty list');
    return item;
  };

  /** Runs one operation; 'idle' when there was nothing to do (no booking to confirm, say). */
  async function attempt(kind: string, call: () => Promise<unknown>): Promise<void> {
    let outcome = 'ok';
    try {
      if ((await call()) === 'idle') outcome = 'idle';
    } catch (error) {
      const code =
        error instanceof TRPCClientError
          ? ((error.data as { appCode?: string } | undefined)?.appCode ?? error.message)
          : String(error);
      if (!EXPECTED_REFUSALS.has(code)) throw error;
      outcome = code;
    }
    const key = `${kind}:${outcome}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }

  async function confirmSomething(client: EventlyClient): Promise<'idle' | undefined> {
    const { items } = await client.bookings.mine.query({ status: 'pending', limit: 20 });
    if (items.length === 0) return 'idle';
    await client.bookings.confirm.mutate({ bookingId: pick(items).id });
  }

  async function cancelSomething(client: EventlyClient): Promise<'idle' | undefined> {
    const status = rand() < 0.5 ? 'pending' : 'confirmed';
    const { items } = await client.bookings.mine.query({ status, limit: 20 });
    if (items.length === 0) return 'idle';
    await client.bookings.cancel.mutate({ bookingId: pick(items).id });
  }

  let cancelledEvents = 0;
  async function operation(): Promise<void> {
    const user = pick(users).client;
    const event = pick(events);
    const roll = rand();
    if (roll < 0.42) {
      const quantity = 1 + Math.floor(rand() * 3);
      return attempt('book', () => user.bookings.create.mutate({ eventId: event.id, quantity }));
    }
    if (roll < 0.64) return attempt('confirm', () => confirmSomething(user));
    if (roll < 0.8) return attempt('cancel', () => cancelSomething(user));
    if (roll < 0.95) {
      const quantity = 1 + Math.floor(rand() * 2);
      return attempt('join', () =>
        user.bookings.waitlist.join.mutate({ eventId: event.id, quantity }),
      );
    }
    if (roll < 0.999 || cancelledEvents >= EVENT_CANCELLATIONS) {
      return attempt('confirm', () => confirmSomething(user));
    }
    cancelledEvents += 1;
    return attempt('cancel-event', () =>
      event.organizer.client.events.cancel.mutate({ id: event.id, reason: 'random mix' }),
    );
  }

  beforeAll(async () => {
    // Holds lapse within the test (expiries); waitlist offers stay until confirmed or declined.
    app = await startTestApp({
      log: pino({ level: 'error' }),
      bookings: { holdMinutes: HOLD_MS / 60_000, offerMinutes: 60 },
    });
    admin = await app.admin();
    organizers = await Promise.all(
      Array.from({ length: ORGANIZERS }, () => app.signUp({ role: 'organizer' })),
    );
    users = await Promise.all(Array.from({ length: USERS }, () => app.signUp()));
    events = [];
    for (let i = 0; i < EVENTS; i++) {
      const organizer = pick(organizers);
      const event = await organizer.client.events.create.mutate(
        eventInput({
          capacity: 4 + Math.floor(rand() * 30),
          // A third free (confirmed at once), the rest paid with odd cents.
          priceCents: i % 3 === 0 ? 0 : 100 + Math.floor(rand() * 9_000),
          maxPerBooking: 3,
        }),
      );
      await organizer.client.events.publish.mutate({ id: event.id });
      events.push({ id: event.id, organizer });
    }
  }, 120_000);
  afterAll(async () => app?.close());

  it(`equals direct counts over the source tables after ${OPERATIONS} random operations (seed ${SEED})`, async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < OPERATIONS) {
          next += 1;
          await operation();
        }
      }),
    );
    console.log(
      `analytics mix (seed ${SEED}):`,
      Object.fromEntries([...outcomes.entries()].sort()),
    );
    const db = app.db.handle.db;
    // Direct holds lapse (the worker's expiry jobs); offers stay pending. Then the projection
    // catches up with everything that committed.
    await vi.waitFor(
      async () => {
        const { rows } = await sql<{ n: string }>`
          SELECT count(*) AS n FROM bookings
          WHERE status = 'pending' AND waitlist_entry_id IS NULL`.execute(db);
        expect(Number(rows[0]?.n)).toBe(0);
      },
      { timeout: 30_000, interval: 200 },
    );
    await waitForProjection(db, 60_000);

    const truths = await eventTruths(db);
    // The mix reached every path the projection has.
    const all = [...truths.values()];
    const sum = (
      key: 'confirmed' | 'cancelled' | 'expired' | 'offered' | 'converted' | 'waiting',
    ) => all.reduce((total, t) => total + t[key], 0);
    expect(sum('confirmed')).toBeGreaterThan(100);
    expect(sum('cancelled')).toBeGreaterThan(50);
    expect(sum('expired')).toBeGreaterThan(0);
    expect(sum('offered')).toBeGreaterThan(0);
    expect(sum('converted')).toBeGreaterThan(0);
    expect(all.filter((t) => t.status === 'cancelled').length).toBeGreaterThan(0);

    // Every figure, per event and overall, against the counts (shared with the fault test).
    await expectFiguresMatchSourceTables(
      db,
      admin.client,
      organizers.map((o) => ({ userId: o.tokens.user.id, client: o.client })),
    );
  }, 180_000);

  it('rebuilds from the source tables to exactly what the projection holds', async () => {
    const db = app.db.handle.db;
    const incremental = await readModels(db);
    expect(incremental.stats.length).toBe(EVENTS);
    const result = await rebuildAnalytics({
      db,
      pubsub: app.platform.pubsub,
      log: silentLog,
      now: () => new Date(),
    });
    // Nothing differed, so nothing was announced; nothing was waiting for the consumer.
    expect(result).toMatchObject({ events: EVENTS, changed: 0, covered: 0 });
    expect(await readModels(db)).toEqual(incremental);
  });
});
