import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForProjection } from './analytics.fixtures.js';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';

// The analytics queries end to end: bookings and payments over HTTP, the worker's projection,
// then the figures each role may see. Revenue is money: payments less refunds.
describe('analytics queries', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let rival: SignedUp;
  let alice: SignedUp;
  let bob: SignedUp;
  let admin: SignedUp;
  const ids = { paid: '', free: '', rivals: '', draft: '' };

  beforeAll(async () => {
    app = await startTestApp();
    [organizer, rival, alice, bob] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
    ]);
    admin = await app.admin();
    const create = async (
      who: SignedUp,
      input: Parameters<typeof eventInput>[0],
      publish = true,
    ) => {
      const event = await who.client.events.create.mutate(eventInput(input));
      if (publish) await who.client.events.publish.mutate({ id: event.id });
      return event.id;
    };
    ids.paid = await create(organizer, { capacity: 5, priceCents: 1500 });
    ids.free = await create(organizer, { capacity: 3, priceCents: 0 });
    ids.rivals = await create(rival, { capacity: 4, priceCents: 990 });
    ids.draft = await create(organizer, { capacity: 7 }, false);

    const markPaid = (who: SignedUp, booking: { id: string; totalCents: number }) =>
      who.client.payments.markPaid.mutate({
        bookingId: booking.id,
        amountCents: booking.totalCents,
        currency: 'EUR',
        method: 'cash',
        reference: 'till',
      });
    // Paid: a booking of 2 paid at the door, a cancelled hold of 1, one paid then cancelled by
    // its buyer (refunded in full: no policy), and a hold not paid yet.
    const held = await alice.client.bookings.create.mutate({ eventId: ids.paid, quantity: 2 });
    await markPaid(organizer, held);
    const dropped = await bob.client.bookings.create.mutate({ eventId: ids.paid, quantity: 1 });
    await bob.client.bookings.cancel.mutate({ bookingId: dropped.id });
    const regretted = await bob.client.bookings.create.mutate({ eventId: ids.paid, quantity: 1 });
    await markPaid(organizer, regretted);
    await bob.client.bookings.cancel.mutate({ bookingId: regretted.id });
    await alice.client.bookings.create.mutate({ eventId: ids.paid, quantity: 1 });
    // Free: confirmed at once; one cancelled after confirmation, then sold out and a queue.
    const first = await alice.client.bookings.create.mutate({ eventId: ids.free, quantity: 1 });
    await alice.client.bookings.cancel.mutate({ bookingId: first.id });
    await bob.client.bookings.create.mutate({ eventId: ids.free, quantity: 3 });
    await alice.client.bookings.waitlist.join.mutate({ eventId: ids.free, quantity: 1 });
    // The rival's event: 3 seats confirmed.
    const rivals = await bob.client.bookings.create.mutate({ eventId: ids.rivals, quantity: 3 });
    await markPaid(rival, rivals);
    await waitForProjection(app.db.handle.db);
  });
  afterAll(async () => app?.close());

  it("gives an event's figures and its hourly series to its organizer", async () => {
    const paid = await organizer.client.analytics.event.query({ eventId: ids.paid });
    expect(paid).toMatchObject({
      eventId: ids.paid,
      capacity: 5,
      ticketsSold: 2,
      confirmedBookings: 1,
      cancellations: 2,
      expirations: 0,
      // 3,000 + 1,500 received, 1,500 given back; 1,500 held, unpaid.
      revenueCents: 3000,
      refundedCents: 1500,
      pendingPaymentCents: 1500,
      utilization: 0.4,
      waitlist: { joined: 0, waiting: 0, offered: 0, converted: 0 },
    });
    expect(paid.ticketTypes.map((t) => t.revenueCents)).toEqual([3000]);
    const sum = (key: 'bookings' | 'tickets' | 'cancellations' | 'revenueCents') =>
      paid.hourly.reduce((total, point) => total + point[key], 0);
    expect([sum('bookings'), sum('tickets'), sum('cancellations'), sum('revenueCents')]).toEqual([
      2, 2, 2, 3000,
    ]);
    expect(await organizer.client.analytics.event.query({ eventId: ids.free })).toMatchObject({
      capacity: 3,
      ticketsSold: 3,
      confirmedBookings: 1,
      cancellations: 1,
      revenueCents: 0,
      refundedCents: 0,
      pendingPaymentCents: 0,
      utilization: 1,
      waitlist: { joined: 1, waiting: 1, offered: 0, converted: 0 },
    });
  });

  it('changes no figure when a refund is paid out', async () => {
    const before = await organizer.client.analytics.event.query({ eventId: ids.paid });
    const { items } = await organizer.client.refunds.list.query({ eventId: ids.paid });
    expect(items.map((r) => [r.amountCents, r.status])).toEqual([[1500, 'pending']]);
    const refundId = items[0]?.id ?? '';
    await organizer.client.refunds.markDone.mutate({ refundId, reference: 'bank 7' });
    await waitForProjection(app.db.handle.db);
    // (Hours left out: the window moves on if an hour turns meanwhile.)
    const { hourly: _, ...after } = await organizer.client.analytics.event.query({
      eventId: ids.paid,
    });
    const { hourly: __, ...figures } = before;
    expect(after).toEqual(figures);
  });

  it('gives every hour of the window, quiet ones as zeros, whatever the bookings', async () => {
    const now = Date.now();
    // A window that starts mid-hour: its first bucket is the next whole hour.
    const from = new Date(now - 5 * 3_600_000 - 1_234).toISOString();
    const to = new Date(now + 3_600_000).toISOString();
    const paid = await organizer.client.analytics.event.query({ eventId: ids.paid, from, to });
    const firstHour = Math.ceil(Date.parse(from) / 3_600_000) * 3_600_000;
    const hours = paid.hourly.map((p) => p.hour);
    expect(hours).toEqual(
      Array.from({ length: hours.length }, (_, i) =>
        new Date(firstHour + i * 3_600_000).toISOString(),
      ),
    );
    expect(hours.length).toBe(Math.ceil((Date.parse(to) - firstHour) / 3_600_000));
    // Its bookings sit in this hour (or the one before, across the hour); the rest are zeros.
    expect(paid.hourly.filter((p) => p.bookings + p.cancellations > 0).length).toBeGreaterThan(0);
    expect(paid.hourly.filter((p) => p.bookings + p.cancellations === 0).length).toBeGreaterThan(3);
    // An event nobody booked (the draft) has the same hours, all zeros.
    const none = await organizer.client.analytics.event.query({ eventId: ids.draft, from, to });
    expect(none.hourly.map((p) => p.hour)).toEqual(hours);
    expect(
      none.hourly.every((p) => p.bookings + p.tickets + p.cancellations + p.revenueCents === 0),
    ).toBe(true);
  });

  it("sums an organizer's own events in the overview, everyone's for an admin", async () => {
    expect(await organizer.client.analytics.overview.query({})).toEqual({
      events: { total: 3, published: 2 },
      bookings: { confirmed: 2, pending: 1, cancelled: 3, expired: 0 },
      ticketsSold: 5,
      revenueCents: 3000,
      users: { total: 0, verified: 0 },
      utilization: 5 / 8,
      waitlist: { waiting: 1, offered: 0, converted: 0 },
    });
    const all = await admin.client.analytics.overview.query({});
    expect(all).toMatchObject({
      events: { total: 4, published: 3 },
      bookings: { confirmed: 3, pending: 1, cancelled: 3, expired: 0 },
      ticketsSold: 8,
      revenueCents: 3000 + 3 * 990,
      utilization: 8 / 12,
    });
    // Five accounts: the admin of ADMIN_EMAIL and four who registered and verified.
    expect(all.users).toEqual({ total: 5, verified: 5 });
  });

  it('restricts the overview to events starting in a window', async () => {
    const paid = await organizer.client.events.get.query({ id: ids.paid });
    const from = paid.startsAt;
    const to = new Date(new Date(from).getTime() + 1).toISOString();
    expect(await organizer.client.analytics.overview.query({ from, to })).toMatchObject({
      events: { total: 1, published: 1 },
      ticketsSold: 2,
      revenueCents: 3000,
    });
    await expectAppCode(
      organizer.client.analytics.overview.query({ from: to, to: from }),
      'VALIDATION_FAILED',
    );
  });

  it("counts an admin's accounts by the hours of the window", async () => {
    const hour = 3_600_000;
    const around = (fromMs: number, toMs: number) =>
      admin.client.analytics.overview.query({
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
      });
    // The five accounts registered minutes ago: in a window around now, none a day later.
    expect((await around(Date.now() - 2 * hour, Date.now() + hour)).users).toEqual({
      total: 5,
      verified: 5,
    });
    expect((await around(Date.now() + 24 * hour, Date.now() + 48 * hour)).users).toEqual({
      total: 0,
      verified: 0,
    });
    // A window ending at the top of the hour before the accounts' hour leaves them out.
    const accountsHour = Math.floor(Date.now() / hour) * hour;
    const before = await around(accountsHour - 3 * hour, accountsHour - 2 * hour);
    expect(before.users).toEqual({ total: 0, verified: 0 });
  });

  it('gives daily series for all events, an organizer and one event, with quiet days as zeros', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const mine = await organizer.client.analytics.daily.query({ from: yesterday, to: today });
    expect(mine.map((d) => d.day)).toEqual([yesterday, today]);
    const totals = (days: typeof mine) =>
      days.reduce(
        (t, d) => ({
          bookings: t.bookings + d.bookings,
          tickets: t.tickets + d.tickets,
          cancellations: t.cancellations + d.cancellations,
          revenueCents: t.revenueCents + d.revenueCents,
          newUsers: t.newUsers + d.newUsers,
        }),
        { bookings: 0, tickets: 0, cancellations: 0, revenueCents: 0, newUsers: 0 },
      );
    // (A test running across midnight UTC splits the figures over both days; the sums hold.)
    expect(totals(mine)).toEqual({
      bookings: 4,
      tickets: 5,
      cancellations: 3,
      revenueCents: 3000,
      newUsers: 0,
    });
    const all = await admin.client.analytics.daily.query({ from: yesterday, to: today });
    expect(totals(all)).toEqual({
      bookings: 5,
      tickets: 8,
      cancellations: 3,
      revenueCents: 3000 + 2970,
      newUsers: 5,
    });
    const one = await organizer.client.analytics.daily.query({
      from: yesterday,
      to: today,
      eventId: ids.paid,
    });
    expect(totals(one)).toMatchObject({ bookings: 2, tickets: 2, revenueCents: 3000 });
    await expectAppCode(
      organizer.client.analytics.daily.query({ from: today, to: yesterday }),
      'VALIDATION_FAILED',
    );
  });

  it('ranks events by tickets, revenue or utilization', async () => {
    const top = (by: 'tickets' | 'revenue' | 'utilization') =>
      admin.client.analytics.topEvents.query({ by });
    expect((await top('revenue')).map((e) => [e.rank, e.eventId, e.revenueCents])).toEqual([
      [1, ids.paid, 3000],
      [2, ids.rivals, 2970],
      [3, ids.free, 0],
    ]);
    expect((await top('utilization')).map((e) => [e.eventId, e.utilization])).toEqual([
      [ids.free, 1],
      [ids.rivals, 0.75],
      [ids.paid, 0.4],
    ]);
    const byTickets = await top('tickets');
    // Two events tie at 3 seats (the earlier start ranks first); drafts never rank.
    expect(byTickets.map((e) => e.ticketsSold)).toEqual([3, 3, 2]);
    expect(new Set(byTickets.slice(0, 2).map((e) => e.eventId))).toEqual(
      new Set([ids.free, ids.rivals]),
    );
    expect(await admin.client.analytics.topEvents.query({ by: 'tickets', limit: 1 })).toHaveLength(
      1,
    );
  });

  it('keeps other organizers, users and strangers out', async () => {
    await expectAppCode(rival.client.analytics.event.query({ eventId: ids.paid }), 'FORBIDDEN');
    await expectAppCode(rival.client.analytics.event.query({ eventId: ids.draft }), 'NOT_FOUND');
    await expectAppCode(alice.client.analytics.overview.query({}), 'FORBIDDEN');
    await expectAppCode(app.client().analytics.overview.query({}), 'UNAUTHENTICATED');
    expect(await rival.client.analytics.overview.query({})).toMatchObject({
      events: { total: 1, published: 1 },
      ticketsSold: 3,
    });
    const rivalsTop = await rival.client.analytics.topEvents.query({ by: 'revenue' });
    expect(rivalsTop.map((e) => e.eventId)).toEqual([ids.rivals]);
  });
});
