import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingsWorkerService } from '../src/modules/bookings/bookings.service.js';
import { expectAppCode } from './app-error.js';
import { expectCountersMatchBookings, expectLinesMatchBookings } from './booking-ledger.js';
import { bookingsJobs } from './bookings-jobs.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';

// The waitlist per ticket type (API.md Part 2), over HTTP through the SDK: each type has its own
// line, offers are of the entry's type at its price within every quota of it, and an entry short
// of a quota keeps that quota (not the event's others) from later entries and newcomers.

const HOUR = 3_600_000;

describe('waitlist per ticket type', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let holder: SignedUp;
  let people: SignedUp[];
  let jobs: BookingsWorkerService;

  // Time is the injected clock's (holds, offers and the voucher's end), moved forward only.
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  const moveTo = (at: number) => {
    offsetMs = Math.max(offsetMs, at - Date.now());
  };

  beforeAll(async () => {
    // Tokens outlive the hours the clock moves forward.
    app = await startTestApp({ now, accessTokenTtlSeconds: 7 * 24 * 3600 });
    [organizer, holder, ...people] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      ...Array.from({ length: 6 }, () => app.signUp()),
    ]);
    // The worker's scheduled job, as it runs every minute.
    jobs = bookingsJobs(app, now);
  });
  afterAll(async () => app?.close());

  const person = (i: number) => {
    const p = people[i];
    if (!p) throw new Error(`no person ${i}`);
    return p;
  };
  const db = () => app.db.handle.db;

  /**
   * Capacity 10: Regular (the General admission type, 1,000) and Early (500) share Standing;
   * Early alone is capped by Early (its `capacity` shortcut); VIP (5,000) has a quota of its own;
   * Secret is hidden.
   */
  async function hall(sizes: { standing: number; early: number; vip: number }) {
    const api = organizer.client;
    const draft = await api.events.create.mutate(
      eventInput({ capacity: 10, priceCents: 1_000, maxPerBooking: 4 }),
    );
    const [regular] = await api.ticketTypes.list.query({ eventId: draft.id });
    const early = await api.ticketTypes.create.mutate({
      eventId: draft.id,
      name: 'Early',
      priceCents: 500,
      capacity: sizes.early,
    });
    const vip = await api.ticketTypes.create.mutate({
      eventId: draft.id,
      name: 'VIP',
      priceCents: 5_000,
      capacity: sizes.vip,
    });
    const secret = await api.ticketTypes.create.mutate({
      eventId: draft.id,
      name: 'Secret',
      priceCents: 100,
      hidden: true,
    });
    const types = { regular: regular?.id ?? '', early: early.id, vip: vip.id, secret: secret.id };
    const standing = await api.quotas.create.mutate({
      eventId: draft.id,
      name: 'Standing',
      size: sizes.standing,
      ticketTypeIds: [types.regular, types.early],
    });
    const event = await api.events.publish.mutate({ id: draft.id });
    return { event, types, standing };
  }

  const line = async (eventId: string) =>
    (await organizer.client.bookings.waitlist.forEvent.query({ eventId, limit: 50 })).items.map(
      (e) => ({ type: e.ticketTypeId, status: e.status, position: e.position }),
    );

  it('gives each type its own line; offers are of that type at its price, within its quotas', async () => {
    const { event, types } = await hall({ standing: 6, early: 2, vip: 2 });
    const [ann, bob, cat, dan] = [person(0), person(1), person(2), person(3)];
    const earlyHold = await holder.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: types.early, quantity: 2 }],
    });

    // Several public types on sale: name one; a hidden type has no line; seats left: book them.
    await expectAppCode(
      ann.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 }),
      'VALIDATION_FAILED',
    );
    await expectAppCode(
      ann.client.bookings.waitlist.join.mutate({
        eventId: event.id,
        ticketTypeId: types.secret,
        quantity: 1,
      }),
      'TICKET_TYPE_NOT_AVAILABLE',
    );
    await expectAppCode(
      ann.client.bookings.waitlist.join.mutate({
        eventId: event.id,
        ticketTypeId: types.regular,
        quantity: 1,
      }),
      'INVALID_STATE',
    );

    const joinEarly = (who: SignedUp, quantity: number) =>
      who.client.bookings.waitlist.join.mutate({
        eventId: event.id,
        ticketTypeId: types.early,
        quantity,
      });
    const first = await joinEarly(ann, 1);
    const second = await joinEarly(bob, 1);
    expect(first).toMatchObject({ ticketTypeId: types.early, status: 'waiting', position: 1 });
    expect(second).toMatchObject({ ticketTypeId: types.early, position: 2 });
    // One place per person in a line.
    await expectAppCode(joinEarly(ann, 1), 'INVALID_STATE');

    // Early's line keeps Early; Regular still sells (Standing has room and nobody waits in it).
    await expectAppCode(
      cat.client.bookings.create.mutate({
        eventId: event.id,
        items: [{ ticketTypeId: types.early, quantity: 1 }],
      }),
      'SOLD_OUT',
    );
    const regular = await cat.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: types.regular, quantity: 2 }],
    });
    expect(regular.status).toBe('pending');
    const seats = await app.client().bookings.availability.query({ eventId: event.id });
    expect(seats.soldOut).toBe(false);
    expect(seats.waitlistLength).toBe(2);
    expect(new Map(seats.ticketTypes.map((t) => [t.ticketTypeId, t]))).toEqual(
      new Map([
        [types.regular, { ticketTypeId: types.regular, available: 2, soldOut: false, waiting: 0 }],
        [types.early, { ticketTypeId: types.early, available: 0, soldOut: true, waiting: 2 }],
        [types.vip, { ticketTypeId: types.vip, available: 2, soldOut: false, waiting: 0 }],
      ]),
    );
    // Event lists too: a line of one type leaves the event on sale.
    const shown = await app.client().events.get.query({ id: event.id });
    expect(shown.availability).toMatchObject({ soldOut: false });
    const listed = await app.client().ticketTypes.list.query({ eventId: event.id });
    expect(listed.find((t) => t.id === types.early)?.availability).toEqual({
      available: 0,
      soldOut: true,
    });

    // The Early seats come back: both entries are offered Early seats at Early's price.
    await holder.client.bookings.cancel.mutate({ bookingId: earlyHold.id });
    expect(await line(event.id)).toEqual([
      { type: types.early, status: 'offered', position: null },
      { type: types.early, status: 'offered', position: null },
    ]);
    for (const who of [ann, bob]) {
      const [entry] = (await who.client.bookings.waitlist.mine.query()).filter(
        (e) => e.eventId === event.id,
      );
      const offer = await who.client.bookings.get.query({ bookingId: entry?.offerBookingId ?? '' });
      expect(offer).toMatchObject({
        status: 'pending',
        quantity: 1,
        totalCents: 500,
        items: [
          {
            ticketTypeId: types.early,
            name: 'Early',
            quantity: 1,
            unitPriceCents: 500,
            discountCents: 0,
            totalCents: 500,
          },
        ],
      });
    }
    // A VIP line of its own: Dan waits for VIP once it is sold out, whatever Early does.
    await holder.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: types.vip, quantity: 2 }],
    });
    const vip = await dan.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      ticketTypeId: types.vip,
      quantity: 2,
    });
    expect(vip).toMatchObject({ ticketTypeId: types.vip, position: 1 });
    await expectCountersMatchBookings(db());
    await expectLinesMatchBookings(db());
  });

  it('an entry short of a shared quota keeps it from the other types in it, and only it', async () => {
    const { event, types } = await hall({ standing: 4, early: 4, vip: 2 });
    const [ann, bob, cat] = [person(0), person(1), person(2)];
    const holds = [];
    for (let i = 0; i < 2; i++) {
      holds.push(
        await holder.client.bookings.create.mutate({
          eventId: event.id,
          items: [{ ticketTypeId: types.regular, quantity: 2 }],
        }),
      );
    }
    await ann.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      ticketTypeId: types.regular,
      quantity: 3,
    });
    const [one, two] = holds;
    await holder.client.bookings.cancel.mutate({ bookingId: one?.id ?? '' });
    // Standing has 2 free, Ann needs 3: they are kept for her, from Early too.
    await expectAppCode(
      cat.client.bookings.create.mutate({
        eventId: event.id,
        items: [{ ticketTypeId: types.early, quantity: 1 }],
      }),
      'SOLD_OUT',
    );
    // VIP is in no quota Ann waits for: it sells.
    const vip = await cat.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: types.vip, quantity: 1 }],
    });
    expect(vip.status).toBe('pending');
    // So Bob queues for Early, behind Ann (Standing is hers first).
    const bobs = await bob.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      ticketTypeId: types.early,
      quantity: 1,
    });
    expect(bobs).toMatchObject({ status: 'waiting', position: 1 });

    await holder.client.bookings.cancel.mutate({ bookingId: two?.id ?? '' });
    // 4 free in Standing: Ann's 3, then Bob's 1, in join order.
    expect(await line(event.id)).toEqual([
      { type: types.regular, status: 'offered', position: null },
      { type: types.early, status: 'offered', position: null },
    ]);
    const quotas = await organizer.client.quotas.list.query({ eventId: event.id });
    expect(quotas.find((q) => q.name === 'Standing')).toMatchObject({
      size: 4,
      confirmed: 0,
      held: 4,
    });
    await expectCountersMatchBookings(db());
  });

  it('serves a line as soon as its quota grows, and closes a line whose type is no longer sold', async () => {
    const { event, types } = await hall({ standing: 6, early: 2, vip: 1 });
    const [ann, bob] = [person(4), person(5)];
    await holder.client.bookings.create.mutate({
      eventId: event.id,
      items: [
        { ticketTypeId: types.vip, quantity: 1 },
        { ticketTypeId: types.early, quantity: 2 },
      ],
    });
    const annEntry = await ann.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      ticketTypeId: types.vip,
      quantity: 1,
    });
    const bobEntry = await bob.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      ticketTypeId: types.early,
      quantity: 1,
    });
    const entry = async (who: SignedUp, id: string) =>
      (await who.client.bookings.waitlist.mine.query()).find((e) => e.id === id);

    const vipQuota = (await organizer.client.quotas.list.query({ eventId: event.id })).find(
      (q) => q.name === 'VIP',
    );
    await organizer.client.quotas.update.mutate({
      id: vipQuota?.id ?? '',
      expectedVersion: vipQuota?.version ?? 0,
      size: 2,
    });
    // The new VIP seat went to the VIP line in the quota change's own transaction.
    expect(await entry(ann, annEntry.id)).toMatchObject({ status: 'offered' });
    expect(await entry(bob, bobEntry.id)).toMatchObject({ status: 'waiting', position: 1 });

    await organizer.client.ticketTypes.archive.mutate({ id: types.early });
    expect(await entry(bob, bobEntry.id)).toMatchObject({ status: 'closed', position: null });
    const closed = await db()
      .selectFrom('outbox')
      .select('payload')
      .where('topic', '=', 'waitlist.closed')
      .where('aggregate_id', '=', bobEntry.id)
      .executeTakeFirstOrThrow();
    expect(closed.payload).toMatchObject({
      ticketTypeId: types.early,
      reason: 'Tickets of the type you were waiting for are no longer sold.',
    });
    await expectCountersMatchBookings(db());
  });

  it("serves a line when a voucher's contingent ends with time, by the scheduled job", async () => {
    const { event, types } = await hall({ standing: 10, early: 10, vip: 10 });
    const cat = person(2);
    // 10 seats: 3 held back for press until an hour from now, the other 7 sold.
    await organizer.client.vouchers.create.mutate({
      eventId: event.id,
      code: `press-${event.id.slice(0, 6)}`,
      maxUses: 3,
      validUntil: new Date(now().getTime() + HOUR).toISOString(),
      effect: { kind: 'none' },
      reserved: 3,
    });
    await holder.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: types.vip, quantity: 4 }],
    });
    await holder.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: types.regular, quantity: 3 }],
    });
    const waiting = await cat.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      ticketTypeId: types.regular,
      quantity: 2,
    });
    expect(waiting).toMatchObject({ status: 'waiting', position: 1 });
    const entryNow = async () =>
      (await cat.client.bookings.waitlist.mine.query()).find((e) => e.id === waiting.id);
    // While the contingent lasts, its seats are not the line's — but its holders'.
    await jobs.serveWaitlists();
    expect(await entryNow()).toMatchObject({ status: 'waiting' });
    const regularFor = async (voucherCode?: string) =>
      (
        await cat.client.ticketTypes.list.query({
          eventId: event.id,
          ...(voucherCode && { voucherCode }),
        })
      ).find((t) => t.id === types.regular)?.availability;
    expect(await regularFor()).toEqual({ available: 0, soldOut: true });
    expect(await regularFor(`press-${event.id.slice(0, 6)}`)).toEqual({
      available: 3,
      soldOut: false,
    });

    // The contingent is over: no release happens, so the job offers its seats to the line.
    moveTo(now().getTime() + HOUR + 60_000);
    expect((await jobs.serveWaitlists()).offered).toBeGreaterThanOrEqual(1);
    expect(await entryNow()).toMatchObject({ status: 'offered' });
    await expectCountersMatchBookings(db());
  });

  // 10 seats: 2 held back for the crew, the other 8 sold, and Dan waits.
  it("serves a line as soon as a voucher's contingent is disabled", async () => {
    const { event, types } = await hall({ standing: 10, early: 10, vip: 10 });
    const dan = person(3);
    const [crew] = await organizer.client.vouchers.create.mutate({
      eventId: event.id,
      code: `crew-${event.id.slice(0, 6)}`,
      maxUses: 2,
      validUntil: new Date(now().getTime() + HOUR).toISOString(),
      effect: { kind: 'none' },
      reserved: 2,
    });
    await holder.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: types.vip, quantity: 4 }],
    });
    await holder.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: types.regular, quantity: 4 }],
    });
    const waiting = await dan.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      ticketTypeId: types.regular,
      quantity: 2,
    });
    // No release and no job: the disable's own transaction offers the seats it frees.
    await organizer.client.vouchers.disable.mutate({ id: crew?.id ?? '' });
    const mine = await dan.client.bookings.waitlist.mine.query();
    expect(mine.find((e) => e.id === waiting.id)).toMatchObject({ status: 'offered' });
    await expectCountersMatchBookings(db());
  });
});
