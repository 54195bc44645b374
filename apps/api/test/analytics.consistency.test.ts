import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rebuildAnalytics } from '../src/modules/analytics/rebuild.js';
import { expectFiguresMatchSourceTables } from './analytics.figures.js';
import { waitForProjection } from './analytics.fixtures.js';
import { eventTruths, readModels } from './analytics.truth.js';
import { createBookingMix, createMixEvents, type MixEvent, seededRandom } from './booking-mix.js';
import { silentLog } from './capture-log.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';

// Issue 6's consistency promise: a random mix of 5,000 bookings, confirmations (a paid hold by
// its organizer's payment, or override), cancellations (refunded, less a fee when the attendee
// cancels), expiries (and payments after them), refunds paid out, waitlist joins (offers,
// confirmed or declined) and event cancellations over many events, through the real API with the
// worker projecting; then every analytics figure equals a count straight from the source tables
// (revenue: payments less refunds), to the cent — and a rebuild from those tables equals the
// projection.
const OPERATIONS = 5_000;
const CONCURRENCY = 16;
const ORGANIZERS = 3;
const USERS = 12;
const EVENTS = 24;
const EVENT_CANCELLATIONS = 4;
const HOLD_MS = 1_500;
const SEED = Number(process.env.ANALYTICS_SEED ?? Date.now() % 1_000_000);

describe('analytics consistency', () => {
  let app: TestApp;
  let admin: SignedUp;
  let organizers: SignedUp[];
  let users: SignedUp[];
  let events: MixEvent[];

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
    events = await createMixEvents(
      organizers.map((o) => o.client),
      EVENTS,
      seededRandom(SEED),
    );
  }, 120_000);
  afterAll(async () => app?.close());

  it(`equals direct counts over the source tables after ${OPERATIONS} random operations (seed ${SEED})`, async () => {
    const mix = createBookingMix({
      seed: SEED,
      operations: OPERATIONS,
      concurrency: CONCURRENCY,
      users: users.map((u) => u.client),
      events,
      eventCancellations: EVENT_CANCELLATIONS,
    });
    await mix.run();
    console.log(
      `analytics mix (seed ${SEED}):`,
      Object.fromEntries([...mix.outcomes.entries()].sort()),
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
      { timeout: 60_000, interval: 200 },
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
    // Money moved both ways, and some of it stayed as a fee.
    const money = (key: 'revenue' | 'refunded') => all.reduce((total, t) => total + t[key], 0);
    expect(money('revenue')).toBeGreaterThan(0);
    expect(money('refunded')).toBeGreaterThan(0);
    for (const outcome of [
      'confirm:paid',
      'confirm:override',
      'cancel:by-organizer',
      'pay-out:ok',
    ]) {
      expect(mix.outcomes.get(outcome), outcome).toBeGreaterThan(0);
    }

    // Every figure, per event and overall, against the counts (shared with the fault test).
    await expectFiguresMatchSourceTables(
      db,
      admin.client,
      organizers.map((o) => ({ userId: o.tokens.user.id, client: o.client })),
    );
    // 87 s on a quiet machine; at load 18 on 2 cores it passed 180 s: room for a busy CI box.
  }, 360_000);

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
