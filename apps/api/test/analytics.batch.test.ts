import type { Consumer } from '@evently/platform';
import { createGroupCommit, toDeliveryJob } from '@evently/platform';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyticsConsumer } from '../src/modules/analytics/analytics.consumer.js';
import { analyticsTopics } from '../src/modules/analytics/analytics.projector.js';
import { liveRepository } from '../src/modules/analytics/live.repository.js';
import { expectEventFiguresMatch } from './analytics.figures.js';
import { waitForProjection } from './analytics.fixtures.js';
import { eventTruths, readModels } from './analytics.truth.js';
import { silentLog } from './capture-log.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';

const liveTopics = new Set([
  'event.updated',
  'event.published',
  'event.cancelled',
  'event.completed',
  'booking.confirmed',
  'booking.cancelled',
  'booking.expired',
  'payment.received',
  'refund.requested',
]);

// The worker commits the analytics events of concurrent jobs together (group commit): a batch of
// many events is one transaction, each event still counted exactly once.
describe('analytics group commit', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let eventIds: string[];

  beforeAll(async () => {
    app = await startTestApp();
    organizer = await app.signUp({ role: 'organizer' });
    const users = await Promise.all(Array.from({ length: 3 }, () => app.signUp()));
    eventIds = [];
    for (const priceCents of [0, 1200]) {
      const event = await organizer.client.events.create.mutate(
        eventInput({ capacity: 50, priceCents, maxPerBooking: 2 }),
      );
      await organizer.client.events.publish.mutate({ id: event.id });
      eventIds.push(event.id);
    }
    for (const [u, user] of users.entries()) {
      for (let i = 0; i < 6; i++) {
        const booking = await user.client.bookings.create.mutate({
          eventId: eventIds[(u + i) % eventIds.length] ?? '',
          quantity: 1 + (i % 2),
        });
        // Paid holds are confirmed by their payment; cancelling a paid one refunds it.
        if (booking.status === 'pending')
          await organizer.client.payments.markPaid.mutate({
            bookingId: booking.id,
            amountCents: booking.totalCents,
            currency: booking.currency,
            method: 'card',
            reference: `card ${u}.${i}`,
          });
        if (i % 3 === 0) await user.client.bookings.cancel.mutate({ bookingId: booking.id });
      }
    }
    await waitForProjection(app.db.handle.db);
  });
  afterAll(async () => app?.close());

  it('projects many events delivered at once in few transactions, each exactly once', async () => {
    const db = app.db.handle.db;
    const projected = await readModels(db);
    // Forget the projection (the worker is idle: everything is projected), then deliver every
    // event again, each twice, all at once.
    await sql`TRUNCATE analytics_event_stats, analytics_series, analytics_hours,
      analytics_waitlist_entries, analytics_ticket_type_stats, analytics_voucher_stats`.execute(db);
    await db.deleteFrom('processed_events').where('consumer', '=', 'analytics').execute();
    const rows = await db
      .selectFrom('outbox')
      .selectAll()
      .where('topic', 'in', [...analyticsTopics])
      .orderBy('id')
      .execute();
    expect(rows.length).toBeGreaterThan(40);

    const analytics = createAnalyticsConsumer({
      pubsub: app.platform.pubsub,
      log: silentLog,
      now: () => new Date(),
    });
    const batches: number[] = [];
    const counted: Consumer = {
      ...analytics,
      handle: (trx, event) => analytics.handle(trx, event),
      handleBatch(trx, events) {
        batches.push(events.length);
        if (!analytics.handleBatch) throw new Error('the analytics consumer batches');
        return analytics.handleBatch(trx, events);
      },
    };
    const group = createGroupCommit(db, counted);
    const before = await liveRepository.cursor(db);
    const jobs = rows.map(toDeliveryJob);
    const outcomes = await Promise.all([...jobs, ...jobs].map((job) => group.deliver(job)));

    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(rows.length);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(rows.length);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(rows.length);
    expect(batches.length).toBeLessThanOrEqual(2);
    // The same figures as one event per transaction gave, and as the source tables say.
    expect(await readModels(db)).toEqual(projected);
    const truths = await eventTruths(db);
    for (const eventId of eventIds) {
      const truth = truths.get(eventId);
      expect(truth?.confirmed).toBeGreaterThan(0);
      if (!truth) throw new Error(`no truth for ${eventId}`);
      await expectEventFiguresMatch(db, organizer.client, truth);
    }
    // One live update per event that changes public figures, numbered without gaps; a hold
    // moves only the figures per ticket type (a one-event stream's detail).
    const after = await liveRepository.cursor(db);
    const updates = Number(after.seq - before.seq);
    const holds = rows.filter(
      (r) => r.topic === 'booking.created' && r.payload.status === 'pending',
    ).length;
    expect(holds).toBeGreaterThan(0);
    expect(updates).toBe(rows.filter((r) => liveTopics.has(r.topic)).length + holds);
    const logged = await liveRepository.updatesAfter(db, before.seq, {}, 1_000, undefined, true);
    expect(logged.filter((u) => u.detailOnly)).toHaveLength(holds);
    // Each update's detail is its own event's figures after it, computed back from the batch's
    // end like its EventStats: the types add up to the event's.
    for (const { stats, detail } of logged) {
      expect(detail?.ticketTypes.reduce((n, t) => n + t.ticketsSold, 0)).toBe(stats.ticketsSold);
      expect(detail?.ticketTypes.reduce((n, t) => n + t.revenueCents, 0)).toBe(stats.revenueCents);
      expect(detail?.quotas).toEqual([]);
    }
    expect(logged.map((u) => BigInt(u.seq))).toEqual(
      Array.from({ length: updates }, (_, i) => before.seq + BigInt(i + 1)),
    );
    // Each event's updates show its figures after each of its events, in order.
    for (const eventId of eventIds) {
      const sold = logged.filter((u) => u.eventId === eventId).map((u) => u.stats.ticketsSold);
      expect(sold.at(-1)).toBe(truths.get(eventId)?.tickets);
      expect(new Set(sold).size).toBeGreaterThan(1);
    }

    // Delivered again: all duplicates, nothing changes.
    const again = await Promise.all(jobs.map((job) => group.deliver(job)));
    expect(again.every((o) => o === 'duplicate')).toBe(true);
    expect(await readModels(db)).toEqual(projected);
  });
});
