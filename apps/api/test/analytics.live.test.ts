import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { liveRepository } from '../src/modules/analytics/live.repository.js';
import { liveClient, subscribeLive, waitForProjection } from './analytics.fixtures.js';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';

// analytics.live over HTTP (SSE through the SDK), fed by the worker's projection through Redis
// pub/sub: every booking shows, and a client that reconnects with lastEventId misses nothing.
describe('analytics live stream', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let rival: SignedUp;
  let alice: SignedUp;
  let eventId: string;
  const feeds: Array<{ stop(): void }> = [];

  beforeAll(async () => {
    app = await startTestApp();
    [organizer, rival, alice] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp({ role: 'organizer' }),
      app.signUp(),
    ]);
    const event = await organizer.client.events.create.mutate(
      eventInput({ capacity: 100, priceCents: 0, maxPerBooking: 1 }),
    );
    await organizer.client.events.publish.mutate({ id: event.id });
    eventId = event.id;
    await waitForProjection(app.db.handle.db);
  });
  afterAll(async () => {
    for (const feed of feeds) feed.stop();
    await app?.close();
  });

  const live = (who: SignedUp, input: { eventId?: string; lastEventId?: string }) => {
    const feed = subscribeLive(liveClient(app.url, who.tokens.accessToken), input);
    feeds.push(feed);
    return feed;
  };
  const book = (n: number) =>
    Promise.all(
      Array.from({ length: n }, () =>
        alice.client.bookings.create.mutate({ eventId, quantity: 1 }),
      ),
    );
  // Generous: SSE connections and the worker are slower on a loaded machine.
  const eventually = (check: () => void) => vi.waitFor(check, { timeout: 15_000, interval: 50 });
  const sold = (feed: ReturnType<typeof live>) => feed.updates.map((u) => u.data.ticketsSold);
  const ids = (feed: ReturnType<typeof live>) => feed.updates.map((u) => BigInt(u.id));

  it('sends the current figures, then one update per booking, in order', async () => {
    const feed = live(organizer, { eventId });
    await eventually(() => expect(feed.updates).toHaveLength(1));
    expect(feed.updates[0]?.data).toMatchObject({ eventId, capacity: 100, ticketsSold: 0 });

    await book(10);
    await eventually(() => expect(sold(feed)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    const seqs = ids(feed);
    expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(feed.errors).toEqual([]);
    feed.stop();
  });

  it('resumes after lastEventId without missing or repeating an update', async () => {
    const first = live(organizer, { eventId });
    await eventually(() => expect(first.updates.length).toBeGreaterThan(0));
    await book(3);
    const before = (first.updates.at(-1)?.data.ticketsSold ?? 0) + 3;
    await eventually(() => expect(first.updates.at(-1)?.data.ticketsSold).toBe(before));
    const lastSeen = first.updates.at(-1);
    first.stop();

    // Bookings while disconnected.
    await book(5);
    await waitForProjection(app.db.handle.db);
    const resumed = live(organizer, { eventId, lastEventId: lastSeen?.id ?? '' });
    await eventually(() => expect(sold(resumed)).toEqual([1, 2, 3, 4, 5].map((i) => before + i)));
    // And live again after the replay.
    await book(2);
    await eventually(() =>
      expect(sold(resumed)).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => before + i)),
    );
    expect(ids(resumed)[0]).toBeGreaterThan(BigInt(lastSeen?.id ?? 0));
  });

  it("streams all of an organizer's events, and only theirs; an admin's stream has everything", async () => {
    // The rival's first event makes their organization; a stream covers the organizations its
    // caller reads when it opens.
    const rivals = await rival.client.events.create.mutate(eventInput({ priceCents: 0 }));
    // Resuming from the current position: whatever commits from now on is replayed or streamed.
    const { seq } = await app.db.handle.db
      .selectFrom('analytics_live_cursor')
      .select('seq')
      .executeTakeFirstOrThrow();
    const own = live(organizer, { lastEventId: seq });
    const others = live(rival, { lastEventId: seq });
    const admin = await app.admin();
    const everything = live(admin, { lastEventId: seq });
    await rival.client.events.publish.mutate({ id: rivals.id });
    await book(1);
    await eventually(() => {
      expect(own.updates.map((u) => u.data.eventId)).toContain(eventId);
      expect(others.updates.map((u) => u.data.eventId)).toContain(rivals.id);
      expect(everything.updates.map((u) => u.data.eventId)).toEqual(
        expect.arrayContaining([eventId, rivals.id]),
      );
    });
    expect(own.updates.map((u) => u.data.eventId)).not.toContain(rivals.id);
    expect(others.updates.map((u) => u.data.eventId)).not.toContain(eventId);
  });

  it('gets an update whose broadcast was lost, from the log', async () => {
    const feed = live(organizer, { eventId });
    await eventually(() => expect(feed.updates).toHaveLength(1));
    const last = feed.updates[0];
    // A worker that died between its commit and its publish: the update is only in the log.
    const db = app.db.handle.db;
    const { seq } = await db
      .updateTable('analytics_live_cursor')
      .set((eb) => ({ seq: eb('seq', '+', '1') }))
      .where('id', '=', 1)
      .returning('seq')
      .executeTakeFirstOrThrow();
    const stats = { ...last?.data, ticketsSold: 99, utilization: 0.99 };
    await db
      .insertInto('analytics_live_updates')
      .values({
        seq,
        event_id: eventId,
        organization_id: (
          await db
            .selectFrom('events')
            .select('organization_id')
            .where('id', '=', eventId)
            .executeTakeFirstOrThrow()
        ).organization_id,
        stats: JSON.stringify(stats),
      })
      .execute();
    await eventually(() => expect(feed.updates.map((u) => u.id)).toEqual([last?.id, seq]));
  });

  it('gives a client further behind than the kept log the current figures, then live ones', async () => {
    const db = app.db.handle.db;
    // Everything so far falls out of the retention window.
    expect(await liveRepository.prune(db, new Date(Date.now() + 60_000))).toBeGreaterThan(0);
    const now = await organizer.client.analytics.event.query({ eventId });
    const feed = live(organizer, { eventId, lastEventId: '1' });
    await eventually(() => expect(feed.updates).toHaveLength(1));
    expect(feed.updates[0]?.data).toEqual({ ...now, hourly: undefined });
    await book(1);
    await eventually(() => expect(sold(feed)).toEqual([now.ticketsSold, now.ticketsSold + 1]));
  });

  it('starts afresh from an id it never handed out', async () => {
    const now = await organizer.client.analytics.event.query({ eventId });
    const feed = live(organizer, { eventId, lastEventId: '999999999999' });
    await eventually(() => expect(feed.updates).toHaveLength(1));
    expect(feed.updates[0]?.data).toEqual({ ...now, hourly: undefined });
  });

  it('streams money as it moves: a hold held, its payment received, its refund owed', async () => {
    const paid = await organizer.client.events.create.mutate(
      eventInput({ capacity: 10, priceCents: 2_500, maxPerBooking: 2 }),
    );
    await organizer.client.events.publish.mutate({ id: paid.id });
    // Its publication projected first: the stream starts with its figures, then the money.
    await waitForProjection(app.db.handle.db);
    const feed = live(organizer, { eventId: paid.id });
    await eventually(() => expect(feed.updates).toHaveLength(1));
    const money = () =>
      feed.updates.map(({ data }) => [
        data.confirmedBookings,
        data.pendingPaymentCents,
        data.revenueCents,
        data.refundedCents,
      ]);
    const hold = await alice.client.bookings.create.mutate({ eventId: paid.id, quantity: 2 });
    await organizer.client.payments.markPaid.mutate({
      bookingId: hold.id,
      amountCents: 5_000,
      currency: 'EUR',
      method: 'transfer',
      reference: 'wire 1',
    });
    await organizer.client.bookings.cancel.mutate({ bookingId: hold.id });
    // Held (the hold's own update); paid and confirmed (two updates of one commit, in the order
    // its events were written); cancelled; refunded in full (the organizer cancelled).
    await eventually(() => expect(money()).toHaveLength(6));
    const [start, held, one, two, cancelled, refunded] = money();
    expect([start, held]).toEqual([
      [0, 0, 0, 0],
      [0, 5_000, 0, 0],
    ]);
    expect([
      [0, 5_000, 5_000, 0],
      [1, 0, 0, 0],
    ]).toContainEqual(one);
    expect(two).toEqual([1, 0, 5_000, 0]);
    expect([cancelled, refunded]).toEqual([
      [0, 0, 5_000, 0],
      [0, 0, 0, 5_000],
    ]);
  });

  it('refuses streams of events the caller does not organize', async () => {
    const other = await rival.client.events.create.mutate(eventInput());
    const feed = live(organizer, { eventId: other.id });
    await eventually(() => expect(feed.errors).toHaveLength(1));
    await expectAppCode(Promise.reject(feed.errors[0]), 'NOT_FOUND');
    const user = live(alice, {});
    await eventually(() => expect(user.errors).toHaveLength(1));
    await expectAppCode(Promise.reject(user.errors[0]), 'FORBIDDEN');
  });
});
