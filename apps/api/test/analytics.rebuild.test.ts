import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { enqueueRebuild } from '../src/modules/analytics/analytics.module.js';
import { rebuildAnalytics } from '../src/modules/analytics/rebuild.js';
import { expectEventFiguresMatch } from './analytics.figures.js';
import { liveClient, subscribeLive, waitForProjection } from './analytics.fixtures.js';
import { eventTruths, readModels } from './analytics.truth.js';
import { silentLog } from './capture-log.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { spawnWith } from './processes.js';

// The rebuild recomputes every read model from the source tables: while the worker projects a
// stream of bookings (each event counted once, by one or the other), as the worker's batch job,
// and as `pnpm analytics:rebuild`.
describe('analytics rebuild', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let users: SignedUp[];
  let eventIds: string[];

  beforeAll(async () => {
    app = await startTestApp();
    organizer = await app.signUp({ role: 'organizer' });
    users = await Promise.all(Array.from({ length: 4 }, () => app.signUp()));
    eventIds = [];
    for (const priceCents of [0, 0, 2500]) {
      const event = await organizer.client.events.create.mutate(
        eventInput({ capacity: 400, priceCents, maxPerBooking: 2 }),
      );
      await organizer.client.events.publish.mutate({ id: event.id });
      eventIds.push(event.id);
    }
  });
  afterAll(async () => app?.close());

  const rebuild = () =>
    rebuildAnalytics({
      db: app.db.handle.db,
      pubsub: app.platform.pubsub,
      log: silentLog,
      now: () => new Date(),
    });

  it('counts every event exactly once when it runs while the projection does', async () => {
    let stop = false;
    const load = Promise.all(
      users.map(async (user, u) => {
        for (let i = 0; !stop && i < 60; i++) {
          const eventId = eventIds[(u + i) % eventIds.length] ?? '';
          const booking = await user.client.bookings.create.mutate({
            eventId,
            quantity: 1 + (i % 2),
          });
          // Paid by the organizer; some cancelled (a paid one refunded): money moves too.
          if (booking.status === 'pending')
            await organizer.client.payments.markPaid.mutate({
              bookingId: booking.id,
              amountCents: booking.totalCents,
              currency: booking.currency,
              method: 'transfer',
              reference: `transfer ${u}.${i}`,
            });
          if (i % 4 === 0) await user.client.bookings.cancel.mutate({ bookingId: booking.id });
        }
      }),
    );
    const results = [];
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      results.push(await rebuild());
    }
    stop = true;
    await load;
    await waitForProjection(app.db.handle.db);

    // Some rebuilds found events the consumer had not reached yet, and counted them itself.
    expect(results.reduce((n, r) => n + r.covered, 0)).toBeGreaterThan(0);
    // Each of those reached the consumer later and was skipped (the marks are gone).
    const covered = await app.db.handle.db
      .selectFrom('analytics_rebuild_covered')
      .select('event_id')
      .execute();
    expect(covered).toEqual([]);
    const truths = await eventTruths(app.db.handle.db);
    for (const eventId of eventIds) {
      const truth = truths.get(eventId);
      expect(truth?.confirmed).toBeGreaterThan(0);
      if (!truth) throw new Error(`no truth for ${eventId}`);
      await expectEventFiguresMatch(app.db.handle.db, organizer.client, truth);
    }
    const incremental = await readModels(app.db.handle.db);
    expect(await rebuild()).toMatchObject({ changed: 0, covered: 0 });
    expect(await readModels(app.db.handle.db)).toEqual(incremental);
  });

  it('runs as the worker job, repairing figures and announcing them live', async () => {
    const eventId = eventIds[0] ?? '';
    const before = await organizer.client.analytics.event.query({ eventId });
    const feed = subscribeLive(liveClient(app.url, organizer.tokens.accessToken), { eventId });
    await vi.waitFor(() => expect(feed.updates).toHaveLength(1), { timeout: 10_000 });
    // A read model gone wrong (a bug, a restore from an old backup).
    await app.db.handle.db
      .updateTable('analytics_event_stats')
      .set({ tickets_sold: 9_999, revenue_cents: 1 })
      .where('event_id', '=', eventId)
      .execute();
    expect((await organizer.client.analytics.event.query({ eventId })).ticketsSold).toBe(9_999);

    await enqueueRebuild(app.platform.queue, new Date());
    await vi.waitFor(
      async () =>
        expect(await organizer.client.analytics.event.query({ eventId })).toMatchObject({
          ticketsSold: before.ticketsSold,
          revenueCents: before.revenueCents,
        }),
      { timeout: 15_000, interval: 100 },
    );
    await vi.waitFor(() => expect(feed.updates).toHaveLength(2), { timeout: 10_000 });
    expect(feed.updates[1]?.data.ticketsSold).toBe(before.ticketsSold);
    feed.stop();
  });
});

describe('pnpm analytics:rebuild', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'evently-analytics-'));
  });
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('rebuilds the embedded database, e.g. after pnpm seed (no worker ran)', async () => {
    const env = { EVENTLY_DATA_DIR: dataDir };
    const seed = spawnWith('pnpm', ['seed'], env);
    expect(await seed.exited).toBe(0);
    const first = spawnWith('pnpm', ['analytics:rebuild'], env);
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toMatch(/rebuilt from the source tables: 6 events/);
    expect(first.stdout()).toMatch(/6 events' figures changed/);
    const again = spawnWith('pnpm', ['analytics:rebuild'], env);
    expect(await again.exited).toBe(0);
    expect(again.stdout()).toMatch(/6 events, .*; 0 events' figures changed/);
  }, 120_000);
});
