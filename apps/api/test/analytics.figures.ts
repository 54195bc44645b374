import type { Database } from '@evently/db';
import type { EventlyClient } from '@evently/sdk';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import {
  detailTruth,
  type EventTruth,
  eventTruths,
  seriesTruth,
  userTruth,
} from './analytics.truth.js';

/**
 * One event's figures as `client` reads them (its stats, its figures per ticket type, quota,
 * voucher and check-in list, and its hourly series) equal the counts from the source tables.
 */
export async function expectEventFiguresMatch(
  db: Kysely<Database>,
  client: EventlyClient,
  truth: EventTruth,
): Promise<void> {
  const {
    hourly,
    updatedAt: _,
    ticketTypes,
    quotas,
    vouchers,
    checkins,
    ...stats
  } = await client.analytics.event.query({
    eventId: truth.eventId,
  });
  expect({ ticketTypes, quotas, vouchers, checkins }).toEqual(await detailTruth(db, truth.eventId));
  expect(stats).toEqual({
    eventId: truth.eventId,
    capacity: truth.capacity,
    ticketsSold: truth.tickets,
    confirmedBookings: truth.confirmed,
    cancellations: truth.cancelled,
    expirations: truth.expired,
    revenueCents: truth.revenue,
    refundedCents: truth.refunded,
    pendingPaymentCents: truth.pendingPayment,
    utilization: truth.tickets / truth.capacity,
    waitlist: {
      joined: truth.joined,
      waiting: truth.waiting,
      offered: truth.offered,
      converted: truth.converted,
    },
  });
  // The default window: the last 7 days, every hour of it (quiet ones as zeros), oldest first.
  expect(hourly).toHaveLength(7 * 24);
  const starts = hourly.map((p) => Date.parse(p.hour));
  expect(
    starts.every(
      (t, i) => t % 3_600_000 === 0 && (i === 0 || t - (starts[i - 1] ?? 0) === 3_600_000),
    ),
  ).toBe(true);
  const hours = await seriesTruth(db, 'hour', { eventId: truth.eventId });
  expect(
    hourly.filter(
      (p) => p.bookings !== 0 || p.tickets !== 0 || p.cancellations !== 0 || p.revenueCents !== 0,
    ),
  ).toEqual(hours.map(({ bucket, newUsers: _n, ...figures }) => ({ hour: bucket, ...figures })));
}

/**
 * Every figure analytics shows — per-event stats with their hourly series, the overview (an
 * admin's and each organizer's), daily series (overall, per organizer, per event) and the three
 * rankings — equals a count straight from the source tables (`analytics.truth.ts`), to the cent.
 * Resolves the truths, for the caller's own checks.
 */
export async function expectFiguresMatchSourceTables(
  db: Kysely<Database>,
  admin: EventlyClient,
  organizers: ReadonlyArray<{ userId: string; client: EventlyClient }>,
): Promise<EventTruth[]> {
  const truths = await eventTruths(db);
  const all = [...truths.values()];

  for (const truth of all) await expectEventFiguresMatch(db, admin, truth);

  const overviewOf = (list: EventTruth[]) => {
    const total = (key: keyof EventTruth) => list.reduce((n, t) => n + Number(t[key]), 0);
    const selling = list.filter((t) => t.status === 'published' || t.status === 'completed');
    return {
      events: {
        total: list.length,
        published: list.filter((t) => t.status === 'published').length,
      },
      bookings: {
        confirmed: total('confirmed'),
        pending: total('pending'),
        cancelled: total('cancelled'),
        expired: total('expired'),
      },
      ticketsSold: total('tickets'),
      revenueCents: total('revenue'),
      utilization:
        selling.reduce((n, t) => n + t.tickets, 0) / selling.reduce((n, t) => n + t.capacity, 0),
      waitlist: {
        waiting: total('waiting'),
        offered: total('offered'),
        converted: total('converted'),
      },
    };
  };
  expect(await admin.analytics.overview.query({})).toEqual({
    ...overviewOf(all),
    users: await userTruth(db),
  });
  for (const organizer of organizers) {
    const own = all.filter((t) => t.organizerId === organizer.userId);
    expect(await organizer.client.analytics.overview.query({})).toEqual({
      ...overviewOf(own),
      users: { total: 0, verified: 0 },
    });
  }
  const organizationIds = [...new Set(all.map((t) => t.organizationId))];
  for (const organizationId of organizationIds) {
    expect(await admin.analytics.overview.query({ organizationId })).toEqual({
      ...overviewOf(all.filter((t) => t.organizationId === organizationId)),
      users: { total: 0, verified: 0 },
    });
  }

  // Daily series from yesterday to today (a run may cross midnight), quiet days as zeros.
  const from = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const to = new Date().toISOString().slice(0, 10);
  const dense = (truth: Awaited<ReturnType<typeof seriesTruth>>, scoped: boolean) =>
    [from, to].map((day) => {
      const found = truth.find((t) => t.bucket.startsWith(day));
      return {
        day,
        bookings: found?.bookings ?? 0,
        tickets: found?.tickets ?? 0,
        cancellations: found?.cancellations ?? 0,
        revenueCents: found?.revenueCents ?? 0,
        newUsers: scoped ? 0 : (found?.newUsers ?? 0),
      };
    });
  expect(await admin.analytics.daily.query({ from, to })).toEqual(
    dense(await seriesTruth(db, 'day', {}), false),
  );
  for (const organizer of organizers) {
    expect(await organizer.client.analytics.daily.query({ from, to })).toEqual(
      dense(await seriesTruth(db, 'day', { organizerId: organizer.userId }), true),
    );
  }
  for (const organizationId of organizationIds) {
    expect(await admin.analytics.daily.query({ from, to, organizationId })).toEqual(
      dense(await seriesTruth(db, 'day', { organizationId }), true),
    );
  }
  for (const truth of all) {
    expect(await admin.analytics.daily.query({ from, to, eventId: truth.eventId })).toEqual(
      dense(await seriesTruth(db, 'day', { eventId: truth.eventId }), true),
    );
  }

  // Rankings: the same figures in the same order as the counts say.
  const ranked = all.filter((t) => t.status !== 'draft');
  for (const [by, metric] of [
    ['tickets', (t: EventTruth) => t.tickets],
    ['revenue', (t: EventTruth) => t.revenue],
    ['utilization', (t: EventTruth) => t.tickets / t.capacity],
  ] as const) {
    const top = await admin.analytics.topEvents.query({ by, limit: 100 });
    expect(top.map((e) => e.rank)).toEqual(ranked.map((_, i) => i + 1));
    expect(top.map((e) => metric(truths.get(e.eventId) as EventTruth))).toEqual(
      ranked.map(metric).sort((a, b) => b - a),
    );
    for (const entry of top) {
      const truth = truths.get(entry.eventId);
      expect([entry.ticketsSold, entry.revenueCents, entry.status]).toEqual([
        truth?.tickets,
        truth?.revenue,
        truth?.status,
      ]);
    }
  }
  return all;
}
