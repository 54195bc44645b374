import { randomUUID } from 'node:crypto';
import type { MemberRole } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { liveClient, subscribeLive, waitForProjection } from './analytics.fixtures.js';
import { expectAppCode } from './app-error.js';
import { captureLog } from './capture-log.js';
import { eventInput } from './event-input.js';
import { joinOrganization, type SignedUp, startTestApp, type TestApp } from './harness.js';

// Analytics by organization (API.md Part 2): totals, series, rankings and streams cover one
// organization's events when asked by `organizationId`, else every organization whose figures
// the caller reads — by membership role, whatever their platform role.

const eventually = (check: () => void) => vi.waitFor(check, { timeout: 20_000, interval: 50 });

describe('analytics by organization', () => {
  let app: TestApp;
  let admin: SignedUp;
  /** Owns Hall (two events) and Club (one event). */
  let owner: SignedUp;
  let buyer: SignedUp;
  /** A plain account: viewer in Hall and in Club. */
  let viewer: SignedUp;
  /** Door staff in Hall. */
  let staff: SignedUp;
  /** A platform organizer outside both. */
  let outsider: SignedUp;
  const hall = { id: '', events: [] as string[] };
  const club = { id: '', events: [] as string[] };
  const feeds: Array<{ stop(): void }> = [];
  const captured = captureLog();
  const narrowings = () =>
    captured.lines().filter((l) => String(l.msg).startsWith('analytics stream narrowed')).length;

  const join = (organizationId: string, member: SignedUp, role: MemberRole) =>
    joinOrganization(app, owner, organizationId, member, role);

  /** A published free event of the organization, with `tickets` sold one by one. */
  async function eventOf(organizationId: string, tickets: number): Promise<string> {
    const draft = await owner.client.events.create.mutate(
      eventInput({ organizationId, capacity: 40, priceCents: 0, maxPerBooking: 4 }),
    );
    await owner.client.events.publish.mutate({ id: draft.id });
    for (let i = 0; i < tickets; i++) {
      await buyer.client.bookings.create.mutate({ eventId: draft.id, quantity: 1 });
    }
    return draft.id;
  }

  const live = (who: SignedUp, input: { eventId?: string; organizationId?: string }) => {
    const feed = subscribeLive(liveClient(app.url, who.tokens.accessToken), input);
    feeds.push(feed);
    return feed;
  };
  const eventsIn = (feed: ReturnType<typeof live>) => feed.updates.map((u) => u.data.eventId);
  const today = () => new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    // Only the published access change can narrow or end a stream in time: no timer net.
    app = await startTestApp({ streamCheckMs: 600_000, log: captured.log });
    [admin, owner, buyer, viewer, staff, outsider] = await Promise.all([
      app.admin(),
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
      app.signUp(),
      app.signUp({ role: 'organizer' }),
    ]);
    hall.id = (await owner.client.organizations.create.mutate({ name: 'Hall' })).id;
    club.id = (await owner.client.organizations.create.mutate({ name: 'Club' })).id;
    hall.events.push(await eventOf(hall.id, 3), await eventOf(hall.id, 2));
    club.events.push(await eventOf(club.id, 4));
    // The outsider's own organization, with figures that must never show up in the others'.
    await outsider.client.events.create.mutate(eventInput({ priceCents: 0 }));
    await join(hall.id, viewer, 'viewer');
    await join(club.id, viewer, 'viewer');
    await join(hall.id, staff, 'staff');
    await waitForProjection(app.db.handle.db);
  });
  afterAll(async () => {
    for (const feed of feeds) feed.stop();
    await app?.close();
  });

  it("totals one organization's events for its viewer, whatever their platform role", async () => {
    const overview = await viewer.client.analytics.overview.query({ organizationId: hall.id });
    expect(overview).toMatchObject({
      events: { total: 2, published: 2 },
      bookings: { confirmed: 5, pending: 0 },
      ticketsSold: 5,
      users: { total: 0, verified: 0 },
      utilization: 5 / 80,
    });
    const top = await viewer.client.analytics.topEvents.query({
      by: 'tickets',
      organizationId: hall.id,
    });
    expect(top.map((e) => [e.eventId, e.ticketsSold])).toEqual([
      [hall.events[0], 3],
      [hall.events[1], 2],
    ]);
    const [day] = await viewer.client.analytics.daily.query({
      from: today(),
      to: today(),
      organizationId: hall.id,
    });
    expect(day).toMatchObject({ bookings: 5, tickets: 5, newUsers: 0 });
  });

  it('sums every organization the caller reads when none is named', async () => {
    expect(await viewer.client.analytics.overview.query({})).toMatchObject({
      events: { total: 3 },
      ticketsSold: 9,
    });
    const top = await viewer.client.analytics.topEvents.query({ by: 'tickets' });
    expect(top.map((e) => e.eventId)).toEqual([club.events[0], hall.events[0], hall.events[1]]);
    const [day] = await viewer.client.analytics.daily.query({ from: today(), to: today() });
    expect(day).toMatchObject({ bookings: 9, tickets: 9 });
    // The owner reads the same two (their organizer role adds nothing).
    expect(await owner.client.analytics.overview.query({})).toMatchObject({ ticketsSold: 9 });
  });

  it("gives an admin any organization's totals (accounts only in the platform's)", async () => {
    expect(await admin.client.analytics.overview.query({ organizationId: club.id })).toMatchObject({
      events: { total: 1 },
      ticketsSold: 4,
      users: { total: 0, verified: 0 },
    });
    const everything = await admin.client.analytics.overview.query({});
    expect(everything.users.total).toBeGreaterThan(0);
    expect(everything.events.total).toBeGreaterThanOrEqual(4);
  });

  it('refuses staff, outsiders and unknown organizations alike', async () => {
    // Staff see the organization but not its figures; with no figures anywhere, no totals.
    await expectAppCode(
      staff.client.analytics.overview.query({ organizationId: hall.id }),
      'FORBIDDEN',
    );
    await expectAppCode(staff.client.analytics.overview.query({}), 'FORBIDDEN');
    await expectAppCode(
      staff.client.analytics.daily.query({ from: today(), to: today(), organizationId: hall.id }),
      'FORBIDDEN',
    );
    // An outsider cannot tell a real organization from one that does not exist.
    for (const id of [hall.id, randomUUID()]) {
      await expectAppCode(
        outsider.client.analytics.topEvents.query({ by: 'revenue', organizationId: id }),
        'NOT_FOUND',
      );
    }
    await expectAppCode(
      admin.client.analytics.overview.query({ organizationId: randomUUID() }),
      'NOT_FOUND',
    );
    // The outsider's own totals are theirs alone.
    expect(await outsider.client.analytics.overview.query({})).toMatchObject({
      events: { total: 1 },
      ticketsSold: 0,
    });
  });

  it('refuses an event and an organization at once', async () => {
    const both = { eventId: hall.events[0] ?? '', organizationId: hall.id };
    await expectAppCode(
      viewer.client.analytics.daily.query({ from: today(), to: today(), ...both }),
      'VALIDATION_FAILED',
    );
    const feed = live(viewer, both);
    await eventually(() => expect(feed.errors).toHaveLength(1));
    await expectAppCode(Promise.reject(feed.errors[0]), 'VALIDATION_FAILED');
  });

  it("streams one organization's updates; a stream of several stops carrying one its caller left, and ends with the last", async () => {
    const [hallEvent, clubEvent] = [hall.events[0] ?? '', club.events[0] ?? ''];
    const member = await app.signUp();
    await join(hall.id, member, 'manager');
    await join(club.id, member, 'viewer');
    const ofHall = live(viewer, { organizationId: hall.id });
    const both = live(member, {});
    const ofClub = live(member, { organizationId: club.id });
    // Streams without a resume point start at the log's end: wait until each is listening.
    await eventually(() => {
      for (const feed of [ofHall, both, ofClub]) {
        expect(feed.errors).toEqual([]);
      }
    });
    await vi.waitFor(
      async () => {
        await buyer.client.bookings.create.mutate({ eventId: hallEvent, quantity: 1 });
        await buyer.client.bookings.create.mutate({ eventId: clubEvent, quantity: 1 });
        expect(eventsIn(both)).toEqual(expect.arrayContaining([hallEvent, clubEvent]));
        expect(eventsIn(ofClub)).toContain(clubEvent);
        expect(eventsIn(ofHall)).toContain(hallEvent);
      },
      { timeout: 20_000, interval: 500 },
    );
    expect(eventsIn(ofHall)).not.toContain(clubEvent);
    expect(eventsIn(ofClub)).not.toContain(hallEvent);

    // Removed from Club: the Club stream ends; the other keeps Hall and drops Club.
    await owner.client.organizations.members.remove.mutate({
      organizationId: club.id,
      userId: member.tokens.user.id,
    });
    await eventually(() => expect(ofClub.errors).toHaveLength(1));
    await expectAppCode(Promise.reject(ofClub.errors[0]), 'NOT_FOUND');
    // The other stream was re-checked too (the server says so): from here on, no Club.
    await eventually(() => expect(narrowings()).toBe(1));
    const seen = both.updates.length;
    await buyer.client.bookings.create.mutate({ eventId: clubEvent, quantity: 1 });
    await buyer.client.bookings.create.mutate({ eventId: hallEvent, quantity: 1 });
    await eventually(() => expect(eventsIn(both).slice(seen)).toContain(hallEvent));
    expect(eventsIn(both).slice(seen)).not.toContain(clubEvent);
    expect(both.errors).toEqual([]);

    // Removed from Hall too: nothing left to carry.
    await owner.client.organizations.members.remove.mutate({
      organizationId: hall.id,
      userId: member.tokens.user.id,
    });
    await eventually(() => expect(both.errors).toHaveLength(1));
    await expectAppCode(Promise.reject(both.errors[0]), 'FORBIDDEN');
  });
});
