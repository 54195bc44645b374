import { randomUUID } from 'node:crypto';
import type { CheckinFigures, CheckinList, Ticket } from '@evently/contracts';
import { createGroupCommit, toDeliveryJob } from '@evently/platform';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAnalyticsConsumer } from '../src/modules/analytics/analytics.consumer.js';
import { liveRepository } from '../src/modules/analytics/live.repository.js';
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
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { until } from './payments.stripe.fixtures.js';

/** A door's figures as [entered, inside]: the main door's, then the garden's. */
type Doors = [number, number, number, number];

// Check-in in analytics: scans at two lists (one without re-entry, one with) — entries, exits,
// a re-entry, a duplicate nonce, refused scans, an offline scan that only moves the first entry's
// time — give per-list figures equal to the check-ins themselves; a one-event stream shows each
// scan, a stream of the organization none; a redelivered check-in counts once, in any order; the
// rebuild gives the same figures from the `checkins` table.
describe('analytics per check-in list', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let alice: SignedUp;
  let eventId: string;
  let organizationId: string;
  let door: CheckinList;
  let garden: CheckinList;
  let tickets: Ticket[];
  let eventFeed: LiveFeed;
  let organizationFeed: LiveFeed;
  const feeds: LiveFeed[] = [];

  const db = () => app.db.handle.db;
  // Generous: SSE connections and the worker are slow on a loaded machine.
  const eventually = (check: () => void | Promise<void>) =>
    vi.waitFor(check, { timeout: 30_000, interval: 50 });
  const follow = (input: { eventId?: string; organizationId?: string }) => {
    const feed = subscribeLive(liveClient(app.url, organizer.tokens.accessToken), input);
    feeds.push(feed);
    return feed;
  };
  const ticket = (i: number): Ticket => {
    const found = tickets[i];
    if (!found) throw new Error(`no ticket ${i}`);
    return found;
  };
  const scan = (
    list: CheckinList,
    code: string,
    direction: 'entry' | 'exit' = 'entry',
    nonce = `scan-${randomUUID()}`,
  ) => organizer.client.checkin.redeem.mutate({ listId: list.id, code, nonce, direction });
  const doorsOf = (checkins: readonly CheckinFigures[] | undefined): Doors => {
    const of = (list: CheckinList) => checkins?.find((c) => c.listId === list.id);
    return [
      of(door)?.entered ?? -1,
      of(door)?.inside ?? -1,
      of(garden)?.entered ?? -1,
      of(garden)?.inside ?? -1,
    ];
  };
  const analyticsDoors = async () =>
    doorsOf((await organizer.client.analytics.event.query({ eventId })).checkins);

  beforeAll(async () => {
    app = await startTestApp();
    [organizer, alice] = await Promise.all([app.signUp({ role: 'organizer' }), app.signUp()]);
    const draft = await organizer.client.events.create.mutate(
      eventInput({ capacity: 50, priceCents: 0, maxPerBooking: 5 }),
    );
    ({ id: eventId, organizationId } = await organizer.client.events.publish.mutate({
      id: draft.id,
    }));
    door = await organizer.client.checkin.lists.create.mutate({ eventId, name: 'Main door' });
    garden = await organizer.client.checkin.lists.create.mutate({
      eventId,
      name: 'Garden',
      allowReentry: true,
    });
    const booking = await alice.client.bookings.create.mutate({ eventId, quantity: 3 });
    tickets = await until(
      () => alice.client.tickets.forBooking.query({ bookingId: booking.id }),
      (issued) => issued.length === 3,
    );
    await waitForProjection(db());
  });
  afterAll(async () => {
    for (const feed of feeds) feed.stop();
    await app?.close();
  });

  it('counts who came in and who is in, per list, as the check-ins say', async () => {
    // Every list from the start, nothing scanned yet.
    expect(await analyticsDoors()).toEqual([0, 0, 0, 0]);
    eventFeed = follow({ eventId });
    organizationFeed = follow({ organizationId });
    await eventually(() => expect(eventFeed.updates).toHaveLength(1));
    expect(eventFeed.updates[0]?.data.checkins?.map((c) => c.name)).toEqual([
      'Main door',
      'Garden',
    ]);

    const [one, two, three] = [ticket(0).code, ticket(1).code, ticket(2).code];
    const first = 'scan-the-first-one';
    // The figures after each scan that let someone in or out.
    const counted: Doors[] = [];
    const step = async (answer: Promise<{ result: string }>, result: string, doors?: Doors) => {
      expect((await answer).result).toBe(result);
      if (doors) counted.push(doors);
    };
    await step(scan(door, one, 'entry', first), 'ok', [1, 1, 0, 0]);
    await step(scan(door, one), 'already_in');
    // The same nonce is the same scan: answered alike, counted once.
    await step(scan(door, one, 'entry', first), 'ok');
    await step(scan(door, one, 'exit'), 'ok', [1, 0, 0, 0]);
    // No re-entry at the main door.
    await step(scan(door, one), 'already_in');
    await step(scan(door, two), 'ok', [2, 1, 0, 0]);
    // Refused: not a code of ours; out before coming in.
    await step(scan(door, 'not a ticket code'), 'invalid');
    await step(scan(door, three, 'exit'), 'not_in');
    // The garden lets people back in: one ticket in, out and in again counts once.
    await step(scan(garden, one), 'ok', [2, 1, 1, 1]);
    await step(scan(garden, one, 'exit'), 'ok', [2, 1, 1, 0]);
    await step(scan(garden, one), 'ok', [2, 1, 1, 1]);
    await step(scan(garden, three), 'ok', [2, 1, 2, 2]);
    // An offline scanner's earlier scan of ticket two becomes its entry: a time, not a count.
    const { results } = await organizer.client.checkin.sync.mutate({
      listId: door.id,
      scans: [
        {
          code: two,
          nonce: `scan-${randomUUID()}`,
          at: new Date(Date.now() - 60_000).toISOString(),
        },
      ],
    });
    expect(results.map((r) => r.result)).toEqual(['ok']);
    await waitForProjection(db());

    expect(await analyticsDoors()).toEqual([2, 1, 2, 2]);
    // `inside` is what checkin.lists.list calls checkedIn.
    const listed = await organizer.client.checkin.lists.list.query({ eventId });
    expect(listed.map((l) => [l.id, l.checkedIn])).toEqual([
      [door.id, 1],
      [garden.id, 2],
    ]);
    // One ticket.checked_in per entry or exit let through, none for the rest.
    const told = await db()
      .selectFrom('outbox')
      .select('id')
      .where('topic', '=', 'ticket.checked_in')
      .execute();
    expect(told).toHaveLength(counted.length);
    // And every figure of the event, check-ins included, equals the source tables' counts.
    const truth = (await eventTruths(db())).get(eventId);
    if (!truth) throw new Error('no truth for the event');
    await expectEventFiguresMatch(db(), organizer.client, truth);

    // The event's stream showed each scan that moved a door, in order, as it happened.
    await eventually(() => expect(eventFeed.updates).toHaveLength(1 + counted.length));
    expect(eventFeed.updates.slice(1).map((u) => doorsOf(u.data.checkins))).toEqual(counted);
  });

  it('shows a redeem on the event’s live stream, and not on the organization’s', async () => {
    expect((await scan(door, ticket(2).code)).result).toBe('ok');
    await eventually(() =>
      expect(doorsOf(eventFeed.updates.at(-1)?.data.checkins)).toEqual([3, 2, 2, 2]),
    );
    // A booking moves the event's own figures: the organization's stream shows that alone.
    await alice.client.bookings.create.mutate({ eventId, quantity: 1 });
    await eventually(() =>
      expect(eventFeed.updates.at(-1)?.data).toMatchObject({ ticketsSold: 4 }),
    );
    const wide = () => organizationFeed.updates.filter((u) => u.data.eventId === eventId);
    await eventually(() => expect(wide()).toHaveLength(1));
    expect(wide()[0]?.data).toMatchObject({ ticketsSold: 4 });
    expect(wide()[0]?.data).not.toHaveProperty('checkins');
    await waitForProjection(db());
  });

  it('counts a redelivered check-in once, whatever the order it comes in', async () => {
    const projected = await readModels(db());
    expect(projected.checkins.map((c) => [c.list_id, c.entered, c.inside])).toEqual(
      [
        [door.id, 3, 2],
        [garden.id, 2, 2],
      ].sort(([a], [b]) => ((a ?? '') < (b ?? '') ? -1 : 1)),
    );
    const rows = await db()
      .selectFrom('outbox')
      .selectAll()
      .where('topic', '=', 'ticket.checked_in')
      .orderBy('occurred_at')
      .execute();
    expect(rows).toHaveLength(8);
    // Marked delivered: the app's reconciler leaves them to this test once forgotten.
    await db()
      .updateTable('outbox')
      .set({ delivered_at: new Date() })
      .where('topic', '=', 'ticket.checked_in')
      .execute();
    const analytics = createAnalyticsConsumer({
      pubsub: app.platform.pubsub,
      log: silentLog,
      now: () => new Date(),
    });
    const group = createGroupCommit(db(), analytics);
    const jobs = rows.map(toDeliveryJob);

    // Delivered again as they are (a retry, the reconciler): all duplicates, nothing moves.
    const again = await Promise.all(jobs.map((job) => group.deliver(job)));
    expect(again.every((o) => o === 'duplicate')).toBe(true);
    expect(await readModels(db())).toEqual(projected);

    const forget = async () => {
      await sql`TRUNCATE analytics_checkin_stats, analytics_checkin_tickets`.execute(db());
      await db()
        .deleteFrom('processed_events')
        .where('consumer', '=', 'analytics')
        .where(
          'event_id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
    };
    // One by one, newest first: a re-entry before the first entry, an exit before its entry.
    await forget();
    for (const job of [...jobs].reverse()) expect(await group.deliver(job)).toBe('applied');
    expect(await readModels(db())).toEqual(projected);
    // All at once, each twice: one batch folds a ticket's entries, exit and re-entry together.
    await forget();
    const outcomes = await Promise.all([...jobs, ...jobs].map((job) => group.deliver(job)));
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(rows.length);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(rows.length);
    expect(await readModels(db())).toEqual(projected);
    expect(await analyticsDoors()).toEqual([3, 2, 2, 2]);
  });

  it('rebuilds the same figures from the check-ins, and repairs them live', async () => {
    const rebuild = () =>
      rebuildAnalytics({
        db: db(),
        pubsub: app.platform.pubsub,
        log: silentLog,
        now: () => new Date(),
      });
    // Scans the projection has yet to reach while a rebuild runs: each counted once, by one or
    // the other.
    await Promise.all([
      scan(garden, ticket(0).code, 'exit'),
      scan(door, ticket(1).code, 'exit'),
      scan(garden, ticket(1).code),
    ]);
    await rebuild();
    await waitForProjection(db());
    const truth = (await eventTruths(db())).get(eventId);
    if (!truth) throw new Error('no truth for the event');
    await expectEventFiguresMatch(db(), organizer.client, truth);
    expect(await analyticsDoors()).toEqual([3, 1, 3, 2]);

    const projected = await readModels(db());
    expect(projected.entered).toHaveLength(6);
    expect(await rebuild()).toMatchObject({ changed: 0, covered: 0 });
    expect(await readModels(db())).toEqual(projected);

    // Read models gone wrong (a bug, an old backup): the garden's figures and the door's marks.
    await db()
      .updateTable('analytics_checkin_stats')
      .set({ inside: 99 })
      .where('list_id', '=', garden.id)
      .execute();
    await db().deleteFrom('analytics_checkin_tickets').where('list_id', '=', door.id).execute();
    expect(await analyticsDoors()).toEqual([3, 1, 3, 99]);
    expect(await rebuild()).toMatchObject({ changed: 1 });
    expect(await readModels(db())).toEqual(projected);
    expect(await analyticsDoors()).toEqual([3, 1, 3, 2]);
    // The repair is announced on the event's stream, its lists with it.
    const { seq } = await liveRepository.cursor(db());
    await eventually(() =>
      expect(eventFeed.updates.find((u) => u.id === seq.toString())).toBeDefined(),
    );
    const repaired = eventFeed.updates.find((u) => u.id === seq.toString());
    expect(doorsOf(repaired?.data.checkins)).toEqual([3, 1, 3, 2]);
  });
});
