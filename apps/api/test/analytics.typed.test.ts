import type { Booking, LiveStats, VoucherFigures } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rebuildAnalytics } from '../src/modules/analytics/rebuild.js';
import { expectEventFiguresMatch } from './analytics.figures.js';
import {
  type LiveFeed,
  liveClient,
  subscribeLive,
  waitForProjection,
} from './analytics.fixtures.js';
import { eventTruths, readModels } from './analytics.truth.js';
import { silentLog } from './capture-log.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { typedEvent } from './typed-event.fixtures.js';

const MINUTE = 60_000;
const HOLD_MINUTES = 5;
/** A copy sorted by name. */
const byName = <T extends { name: string }>(list: readonly T[]): T[] =>
  [...list].sort((a, b) => a.name.localeCompare(b.name));
/** typedEvent's voucher: 10 % off every line, rounded down. */
const tenPercentOff = (cents: number) => Math.floor(cents / 10);

// Analytics per ticket type, quota and voucher: typed orders (some with the voucher) paid,
// cancelled after payment (refunded less the event's fee: the refund shared among its lines),
// cancelled while held, one expired by the injected clock and one still held; then the figures
// per type, quota and voucher are exact, the live stream of the event carries them update by
// update, and a rebuild from the source tables gives the same.
describe('analytics per ticket type and voucher', () => {
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  let app: TestApp;
  let organizer: SignedUp;
  let buyers: SignedUp[];
  let sale: Awaited<ReturnType<typeof typedEvent>>;
  /** Another event of the organization, with its own types, quotas and voucher. */
  let other: Awaited<ReturnType<typeof typedEvent>>;
  let voucherId: string;
  let organizationId: string;
  let eventFeed: LiveFeed;
  let organizationFeed: LiveFeed;
  const feeds: LiveFeed[] = [];
  /** Every order, with the status it ended in. */
  const orders: Booking[] = [];

  const db = () => app.db.handle.db;
  const follow = (input: { eventId?: string; organizationId?: string; lastEventId?: string }) => {
    const feed = subscribeLive(liveClient(app.url, organizer.tokens.accessToken), input);
    feeds.push(feed);
    return feed;
  };
  const eventually = (check: () => void | Promise<void>) =>
    vi.waitFor(check, { timeout: 15_000, interval: 50 });

  beforeAll(async () => {
    // Tokens outlive the minutes the clock moves forward.
    app = await startTestApp({
      now,
      accessTokenTtlSeconds: 3_600,
      bookings: { holdMinutes: HOLD_MINUTES, offerMinutes: 30 },
    });
    organizer = await app.signUp({ role: 'organizer' });
    buyers = await Promise.all(Array.from({ length: 6 }, () => app.signUp()));
    sale = await typedEvent(organizer.client, db(), true);
    other = await typedEvent(organizer.client, db(), true);
    ({ id: voucherId } = await db()
      .selectFrom('vouchers')
      .select('id')
      .where('code', '=', sale.code)
      .executeTakeFirstOrThrow());
    ({ organization_id: organizationId } = await db()
      .selectFrom('events')
      .select('organization_id')
      .where('id', '=', sale.eventId)
      .executeTakeFirstOrThrow());
    await waitForProjection(db());
  });
  afterAll(async () => {
    for (const feed of feeds) feed.stop();
    await app?.close();
  });

  const order = (buyer: number, items: Array<[string, number]>, withCode: boolean) =>
    (buyers[buyer] as SignedUp).client.bookings.create.mutate({
      eventId: sale.eventId,
      items: items.map(([ticketTypeId, quantity]) => ({ ticketTypeId, quantity })),
      ...(withCode ? { voucherCode: sale.code.toUpperCase() } : {}),
    });
  const as = (buyer: number) => (buyers[buyer] as SignedUp).client;
  const pay = (booking: Booking) =>
    organizer.client.payments.markPaid.mutate({
      bookingId: booking.id,
      amountCents: booking.totalCents,
      currency: booking.currency,
      method: 'card',
      reference: `pos ${booking.id.slice(0, 6)}`,
    });

  it('counts each type, quota and voucher exactly through holds, confirmations, a cancellation and an expiry', async () => {
    eventFeed = follow({ eventId: sale.eventId });
    organizationFeed = follow({ organizationId });
    // The stream starts with the event's types and quotas, nothing sold, no voucher used.
    await eventually(() => expect(eventFeed.updates).toHaveLength(1));
    const first = eventFeed.updates[0]?.data;
    expect(first?.ticketTypes?.map((t) => [t.name, t.ticketsSold, t.held])).toEqual([
      ['General admission', 0, 0],
      ['Early', 0, 0],
      ['VIP', 0, 0],
    ]);
    // Quotas come in the order they were made; typedEvent makes them in one statement: by name.
    expect(byName(first?.quotas ?? []).map((q) => [q.name, q.size, q.sold])).toEqual([
      ['Early', 100, 0],
      ['Standing', 450, 0],
      ['VIP', 100, 0],
    ]);
    expect(first?.vouchers).toEqual([]);

    const { ga, early, vip } = sale.types;
    // Attendees who cancel get their money back less 10 % and 1 cent.
    const { version } = await organizer.client.events.get.query({ id: sale.eventId });
    await organizer.client.events.update.mutate({
      id: sale.eventId,
      expectedVersion: version,
      patch: { cancellationPolicy: { feePercent: 10, feeCents: 1 } },
    });
    // Paid with the voucher; paid without it.
    const kept = await order(
      0,
      [
        [ga, 2],
        [early, 1],
      ],
      true,
    );
    await pay(kept);
    const vips = await order(1, [[vip, 1]], false);
    await pay(vips);
    // Paid with the voucher, then cancelled by its buyer: its seats and use go back, and its
    // money less the fee.
    const regretted = await order(
      2,
      [
        [early, 1],
        [ga, 1],
      ],
      true,
    );
    await pay(regretted);
    await as(2).bookings.cancel.mutate({ bookingId: regretted.id });
    // Held with the voucher, never confirmed: it expires when the clock passes its hold.
    const lapsed = await order(
      3,
      [
        [ga, 1],
        [vip, 1],
      ],
      true,
    );
    // Held, then cancelled while held.
    const dropped = await order(5, [[early, 1]], false);
    await as(5).bookings.cancel.mutate({ bookingId: dropped.id });
    offsetMs += (HOLD_MINUTES + 1) * MINUTE;
    await app.services.bookings.expireHold(lapsed.id);
    expect(await as(3).bookings.get.query({ bookingId: lapsed.id })).toMatchObject({
      status: 'expired',
    });
    // Held with the voucher now, and still held at the end.
    const held = await order(4, [[ga, 1]], true);
    // Sold at the other event: none of it shows in this one.
    const elsewhere = await as(5).bookings.create.mutate({
      eventId: other.eventId,
      items: [{ ticketTypeId: other.types.ga, quantity: 3 }],
      voucherCode: other.code,
    });
    await pay(elsewhere);
    await waitForProjection(db());

    for (const [buyer, booking] of [
      [0, kept],
      [1, vips],
      [2, regretted],
      [3, lapsed],
      [4, held],
      [5, dropped],
    ] as const) {
      orders.push(await as(buyer).bookings.get.query({ bookingId: booking.id }));
    }
    expect(orders.map((o) => o.status)).toEqual([
      'confirmed',
      'confirmed',
      'cancelled',
      'expired',
      'pending',
      'cancelled',
    ]);

    const figures = await organizer.client.analytics.event.query({ eventId: sale.eventId });
    // The cancelled order: Early 1,800 and GA 2,700 after the voucher; its fee 451 of 4,500
    // kept, 4,049 refunded and shared among its lines 1,800 : 2,700 — Early ⌊1,619.6⌋ = 1,619,
    // GA the rest, 2,430 — so Early keeps 181 and GA 270.
    const refunds = await organizer.client.refunds.list.query({ eventId: sale.eventId });
    expect(refunds.items.map((r) => [r.bookingId, r.amountCents])).toEqual([[regretted.id, 4_049]]);
    const feeKept: Record<string, number> = { [ga]: 270, [early]: 181, [vip]: 0 };
    // Per type, from the bookings' own lines: sold of the confirmed ones (paid in full), held of
    // the pending one, and the money.
    const linesOf = (status: Booking['status']) =>
      orders.filter((o) => o.status === status).flatMap((o) => o.items);
    const sum = (lines: Booking['items'], typeId: string, key: 'quantity' | 'totalCents') =>
      lines.filter((l) => l.ticketTypeId === typeId).reduce((n, l) => n + l[key], 0);
    expect(figures.ticketTypes).toEqual(
      [
        [ga, 'General admission'],
        [early, 'Early'],
        [vip, 'VIP'],
      ].map(([id = '', name]) => ({
        ticketTypeId: id,
        name,
        ticketsSold: sum(linesOf('confirmed'), id, 'quantity'),
        held: sum(linesOf('pending'), id, 'quantity'),
        revenueCents: sum(linesOf('confirmed'), id, 'totalCents') + (feeKept[id] ?? 0),
      })),
    );
    // By hand: 2 GA (3,000) and 1 Early (2,000) at 10 % off, 1 VIP (9,000) in full, the fee.
    expect(figures.ticketTypes.map((t) => [t.ticketsSold, t.held, t.revenueCents])).toEqual([
      [2, 1, 2 * 3_000 - tenPercentOff(2 * 3_000) + 270],
      [1, 0, 2_000 - tenPercentOff(2_000) + 181],
      [1, 0, 9_000],
    ]);
    expect(figures).toMatchObject({ refundedCents: 4_049, pendingPaymentCents: held.totalCents });
    // The types add up to the event's own figures.
    expect(figures.ticketTypes.reduce((n, t) => n + t.ticketsSold, 0)).toBe(figures.ticketsSold);
    expect(figures.ticketTypes.reduce((n, t) => n + t.revenueCents, 0)).toBe(figures.revenueCents);

    // Quotas: Standing is GA and Early together.
    expect(byName(figures.quotas)).toEqual(
      [
        { quotaId: sale.quotas.early, name: 'Early', size: 100, sold: 1, held: 0 },
        { quotaId: sale.quotas.standing, name: 'Standing', size: 450, sold: 3, held: 1 },
        { quotaId: sale.quotas.vip, name: 'VIP', size: 100, sold: 1, held: 0 },
      ].map((q) => ({ ...q, utilization: q.sold / q.size })),
    );
    // The same as the allocator's own quota counters.
    const counters = await db()
      .selectFrom('quotas')
      .select(['id', 'confirmed', 'held'])
      .where('event_id', '=', sale.eventId)
      .execute();
    for (const quota of figures.quotas) {
      expect(counters.find((c) => c.id === quota.quotaId)).toMatchObject({
        confirmed: quota.sold,
        held: quota.held,
      });
    }

    // The voucher: the one confirmed booking still standing, with its lines' discounts. Its
    // budget also counts the hold (used 2): a hold's use counts here once confirmed.
    expect(figures.vouchers).toEqual([
      {
        voucherId,
        code: sale.code,
        redemptions: 1,
        discountCents: tenPercentOff(2 * 3_000) + tenPercentOff(2_000),
      },
    ]);
    const { used } = await db()
      .selectFrom('vouchers')
      .select('used')
      .where('id', '=', voucherId)
      .executeTakeFirstOrThrow();
    expect(used).toBe(2);

    // And every figure of both events equals the counts straight from the source tables.
    const truths = await eventTruths(db());
    for (const eventId of [sale.eventId, other.eventId]) {
      const truth = truths.get(eventId);
      if (!truth) throw new Error(`no truth for ${eventId}`);
      await expectEventFiguresMatch(db(), organizer.client, truth);
    }
    expect(truths.get(other.eventId)?.tickets).toBe(3);
  });

  it("streams an event's detail with each update, and only its figures to a wider stream", async () => {
    const figures = await organizer.client.analytics.event.query({ eventId: sale.eventId });
    const { hourly: _, updatedAt: __, ...expected } = figures;
    const last = () => {
      const data = eventFeed.updates.at(-1)?.data;
      if (!data) return undefined;
      const { updatedAt: _u, vouchers: _v, ...rest } = data;
      return rest;
    };
    await eventually(() => expect(last()).toEqual({ ...expected, vouchers: undefined }));
    const updates = eventFeed.updates.map((u) => u.data);
    // Every update adds up: the event's figures are its types' (each computed back from a batch).
    for (const stats of updates) {
      expect(stats.ticketTypes?.reduce((n, t) => n + t.ticketsSold, 0)).toBe(stats.ticketsSold);
      expect(stats.ticketTypes?.reduce((n, t) => n + t.revenueCents, 0)).toBe(stats.revenueCents);
      const standing = stats.quotas?.find((q) => q.quotaId === sale.quotas.standing);
      const [ga, early] = stats.ticketTypes ?? [];
      expect(standing?.sold).toBe((ga?.ticketsSold ?? 0) + (early?.ticketsSold ?? 0));
    }
    // The voucher moved three times: two confirmations, then one of them cancelled.
    const uses = updates.flatMap((s) => s.vouchers ?? []).map((v) => v.redemptions);
    expect(uses).toEqual([1, 2, 1]);
    // Kept by id, the vouchers a client saw are the query's.
    const kept = new Map<string, VoucherFigures>();
    for (const stats of updates) for (const v of stats.vouchers ?? []) kept.set(v.voucherId, v);
    expect([...kept.values()]).toEqual(figures.vouchers);

    // A wider stream (the organization's) has the same updates but the holds (every order was
    // one first: they move no EventStats), as figures only.
    const eventIds = eventFeed.updates.map((u) => u.id);
    const wide = () => organizationFeed.updates.filter((u) => u.data.eventId === sale.eventId);
    await eventually(() => expect(wide()).toHaveLength(eventIds.length - 1 - orders.length));
    expect(wide().every((u) => eventIds.includes(u.id))).toBe(true);
    for (const { data } of wide()) {
      expect(data).not.toHaveProperty('ticketTypes');
      expect(data).not.toHaveProperty('quotas');
    }

    // Resumed from the log, a one-event stream gets the same detail as it went by.
    const resumed = follow({ eventId: sale.eventId, lastEventId: eventFeed.updates[0]?.id ?? '' });
    await eventually(() => expect(resumed.updates).toHaveLength(eventFeed.updates.length - 1));
    expect(resumed.updates).toEqual(eventFeed.updates.slice(1));
  });

  it('rebuilds the same figures from the source tables, and repairs them live', async () => {
    const rebuild = () =>
      rebuildAnalytics({ db: db(), pubsub: app.platform.pubsub, log: silentLog, now });
    const projected = await readModels(db());
    expect(projected.types.filter((t) => t.event_id === sale.eventId)).toHaveLength(3);
    expect(projected.vouchers.filter((v) => v.event_id === sale.eventId)).toHaveLength(1);
    expect(await rebuild()).toMatchObject({ changed: 0, covered: 0 });
    expect(await readModels(db())).toEqual(projected);

    // Read models gone wrong (a bug, an old backup): only the per-type rows differ.
    const before = await organizer.client.analytics.event.query({ eventId: sale.eventId });
    await db()
      .updateTable('analytics_ticket_type_stats')
      .set({ tickets_sold: 99 })
      .where('ticket_type_id', '=', sale.types.vip)
      .execute();
    await db()
      .updateTable('analytics_voucher_stats')
      .set({ redemptions: 7, discount_cents: 1 })
      .where('voucher_id', '=', voucherId)
      .execute();
    expect(
      (await organizer.client.analytics.event.query({ eventId: sale.eventId })).quotas.find(
        (q) => q.quotaId === sale.quotas.vip,
      )?.sold,
    ).toBe(99);
    const seen = eventFeed.updates.length;
    expect(await rebuild()).toMatchObject({ changed: 1 });
    expect(await readModels(db())).toEqual(projected);
    const after = await organizer.client.analytics.event.query({ eventId: sale.eventId });
    expect({ ...after, updatedAt: '' }).toEqual({ ...before, updatedAt: '' });
    // The repair is announced: every type and quota, and the voucher it changed.
    await eventually(() => expect(eventFeed.updates).toHaveLength(seen + 1));
    const repaired: LiveStats | undefined = eventFeed.updates.at(-1)?.data;
    expect(repaired?.ticketTypes).toEqual(before.ticketTypes);
    expect(repaired?.quotas).toEqual(before.quotas);
    expect(repaired?.vouchers).toEqual(before.vouchers);
  });
});
