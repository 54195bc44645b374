import { randomUUID } from 'node:crypto';
import type { EventInput, WaitlistEntry } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatUtc } from '../src/modules/notifications/mail/format-instant.js';
import { mailTopics } from '../src/modules/notifications/mail/mail-templates.js';
import { expectAppCode } from './app-error.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';

const HOUR = 3_600_000;
const QUEUE_SIZE = 15;
const OFFER_SUBJECT = 'Seats are waiting for you on Evently';
const JOINED_SUBJECT = 'You are on the Evently waitlist';
/** The offer lifetime of the lapsing-offers app (WAITLIST_OFFER_MINUTES=0.05). */
const OFFER_MS = 3_000;

/** The helpers every waitlist test needs, over one app. */
function waitlistKit(get: () => { app: TestApp; organizer: SignedUp }) {
  async function publishedEvent(overrides: Partial<EventInput> = {}) {
    const { organizer } = get();
    const startsAt = new Date(Date.now() + 10 * 24 * HOUR);
    const event = await organizer.client.events.create.mutate({
      title: `Queue <${randomUUID().slice(0, 6)}> & "friends"`,
      venue: 'Hall',
      description: '',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 2 * HOUR).toISOString(),
      capacity: 1,
      priceCents: 1000,
      currency: 'EUR',
      // At most the capacity (the events module refuses more).
      maxPerBooking: Math.min(4, overrides.capacity ?? 1),
      ...overrides,
    });
    return organizer.client.events.publish.mutate({ id: event.id });
  }

  /** The caller's entry for the event, with its live position. */
  async function entryOf(user: SignedUp, eventId: string): Promise<WaitlistEntry> {
    const entry = (await user.client.bookings.waitlist.mine.query()).find(
      (e) => e.eventId === eventId,
    );
    if (!entry) throw new Error(`${user.email} has no entry for ${eventId}`);
    return entry;
  }

  /** The organizer's view of the whole queue, in join order. */
  async function queueOf(eventId: string): Promise<WaitlistEntry[]> {
    const { organizer } = get();
    const page = await organizer.client.bookings.waitlist.forEvent.query({ eventId, limit: 100 });
    return page.items;
  }

  const inventory = (eventId: string) =>
    get()
      .app.db.handle.db.selectFrom('event_inventory')
      .select(['capacity', 'confirmed', 'held'])
      .where('event_id', '=', eventId)
      .executeTakeFirstOrThrow();

  /**
   * Every mail-topic event committed so far has been processed by the mail consumer (its mails
   * are queued in sent_emails, and a redelivery would queue nothing) and every queued mail has
   * reached the sink. Counting mails after this is exact.
   */
  async function mailsSettled(): Promise<void> {
    const { db } = get().app.db.handle;
    await expect
      .poll(
        async () => {
          const row = await db
            .selectFrom('outbox as o')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('o.topic', 'in', mailTopics)
            .where((eb) =>
              eb.not(
                eb.exists(
                  eb
                    .selectFrom('processed_events as p')
                    .select('p.event_id')
                    .whereRef('p.event_id', '=', 'o.id')
                    .where('p.consumer', '=', 'mail'),
                ),
              ),
            )
            .executeTakeFirstOrThrow();
          return Number(row.n);
        },
        { timeout: 20_000, interval: 100 },
      )
      .toBe(0);
    await expect
      .poll(
        async () =>
          (
            await db
              .selectFrom('sent_emails')
              .select('id')
              .where('status', '=', 'pending')
              .execute()
          ).length,
        { timeout: 20_000, interval: 100 },
      )
      .toBe(0);
  }

  const mailsTo = (user: SignedUp, subject: string) =>
    get().app.smtp.messages.filter(
      (m) => m.envelopeTo.includes(user.email) && m.subject === subject,
    );

  return { publishedEvent, entryOf, queueOf, inventory, mailsSettled, mailsTo };
}

// The waitlist over HTTP through the SDK, on Postgres, Redis, the worker and SMTP.
describe('waitlist', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let holder: SignedUp;
  let outsider: SignedUp;
  let users: SignedUp[];
  const kit = waitlistKit(() => ({ app, organizer }));
  const { publishedEvent, entryOf, queueOf, inventory, mailsSettled, mailsTo } = kit;

  beforeAll(async () => {
    app = await startTestApp();
    [organizer, holder, outsider] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
    ]);
    // In small groups: each sign-up waits on the SMTP sink for its code.
    users = [];
    for (let i = 0; i < QUEUE_SIZE; i += 5) {
      const group = Array.from({ length: Math.min(5, QUEUE_SIZE - i) }, (_, k) =>
        app.signUp({ name: `Queuer ${i + k}` }),
      );
      users.push(...(await Promise.all(group)));
    }
  });
  afterAll(async () => app?.close());

  function user(i: number): SignedUp {
    const u = users[i];
    if (!u) throw new Error(`no user ${i}`);
    return u;
  }

  it('offers freed seats strictly in join order after concurrent joins, one seat at a time', async () => {
    const event = await publishedEvent({ capacity: 1, maxPerBooking: 1 });
    const hold = await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const joined = await Promise.all(
      users.map((u) => u.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 })),
    );
    expect(joined.every((e) => e.status === 'waiting')).toBe(true);

    // The join order is the order the server serialised the concurrent joins in: the queue as
    // the organizer sees it. Every joiner's live position agrees with it.
    const queue = await queueOf(event.id);
    const order = queue.map((e) => e.id);
    expect(new Set(order)).toEqual(new Set(joined.map((e) => e.id)));
    expect(queue.map((e) => e.position)).toEqual(order.map((_, i) => i + 1));
    const ownerOf = new Map(joined.map((e, i) => [e.id, user(i)]));
    for (const [i, entryId] of order.entries()) {
      const owner = ownerOf.get(entryId);
      if (!owner) throw new Error('owner expected');
      expect(await entryOf(owner, event.id)).toMatchObject({ id: entryId, position: i + 1 });
    }
    expect(await app.client().bookings.availability.query({ eventId: event.id })).toMatchObject({
      available: 0,
      waitlistLength: QUEUE_SIZE,
      soldOut: true,
    });

    // Free the one seat again and again, each time another way; it must go to the next entry.
    let seatOwner = holder;
    let seatBooking = hold.id;
    const deadlines = new Map<string, string>();
    for (const [i, entryId] of order.entries()) {
      const way = i === 0 ? 'cancel' : (['cancel', 'confirm-then-cancel', 'leave'] as const)[i % 3];
      if (way === 'cancel') {
        await seatOwner.client.bookings.cancel.mutate({ bookingId: seatBooking });
      } else if (way === 'confirm-then-cancel') {
        await seatOwner.client.bookings.confirm.mutate({ bookingId: seatBooking });
        await seatOwner.client.bookings.cancel.mutate({ bookingId: seatBooking });
      } else {
        const mine = await entryOf(seatOwner, event.id);
        await seatOwner.client.bookings.waitlist.leave.mutate({ entryId: mine.id });
      }

      const now = await queueOf(event.id);
      const offered = now.filter((e) => e.status === 'offered');
      expect(
        offered.map((e) => e.id),
        `round ${i} (${way})`,
      ).toEqual([entryId]);
      const waiting = now.filter((e) => e.status === 'waiting');
      expect(waiting.map((e) => e.id)).toEqual(order.slice(i + 1));
      expect(waiting.map((e) => e.position)).toEqual(waiting.map((_, k) => k + 1));

      const next = ownerOf.get(entryId);
      if (!next) throw new Error('owner expected');
      const entry = await entryOf(next, event.id);
      expect(entry).toMatchObject({ status: 'offered', position: null });
      const offer = await next.client.bookings.get.query({ bookingId: entry.offerBookingId ?? '' });
      expect(offer).toMatchObject({ status: 'pending', quantity: 1, waitlistEntryId: entryId });
      expect(offer.expiresAt).toBe(entry.offerExpiresAt);
      expect(await inventory(event.id)).toEqual({ capacity: 1, confirmed: 0, held: 1 });
      deadlines.set(entryId, offer.expiresAt ?? '');
      seatOwner = next;
      seatBooking = offer.id;
    }

    // Each joiner was mailed once that they joined and once with their offer and its deadline.
    await mailsSettled();
    for (const [entryId, u] of ownerOf) {
      expect(mailsTo(u, JOINED_SUBJECT)).toHaveLength(1);
      const offers = mailsTo(u, OFFER_SUBJECT);
      expect(offers).toHaveLength(1);
      const deadline = deadlines.get(entryId) ?? '';
      expect(offers[0]?.text).toContain(`before ${formatUtc(deadline)} (${deadline})`);
      expect(offers[0]?.html).toContain(`<time datetime="${deadline}">`);
      expect(offers[0]?.html).toContain('&lt;');
      expect(offers[0]?.html).not.toContain(event.title);
    }
  });

  it('keeps freed seats for a group entry at the head until there are enough for it', async () => {
    const event = await publishedEvent({ capacity: 4 });
    const holds = [];
    for (let i = 0; i < 4; i++) {
      holds.push(await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 1 }));
    }
    const [group, single, newcomer] = [user(0), user(1), user(2)];
    const head = await group.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 3,
    });
    const behind = await single.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 1,
    });

    for (const [freed, hold] of holds.slice(0, 2).entries()) {
      await holder.client.bookings.cancel.mutate({ bookingId: hold.id });
      // The head needs 3: no offer to it, none to the smaller entry behind it either.
      expect((await queueOf(event.id)).map((e) => [e.id, e.status, e.position])).toEqual([
        [head.id, 'waiting', 1],
        [behind.id, 'waiting', 2],
      ]);
      expect(await inventory(event.id)).toEqual({ capacity: 4, confirmed: 0, held: 3 - freed });
      expect(await app.client().bookings.availability.query({ eventId: event.id })).toEqual({
        capacity: 4,
        confirmed: 0,
        held: 3 - freed,
        available: freed + 1,
        waitlistLength: 2,
        soldOut: true,
      });
      // The free seats are the queue's: a direct booking is refused, and nothing is taken.
      await expectAppCode(
        newcomer.client.bookings.create.mutate({ eventId: event.id, quantity: 1 }),
        'SOLD_OUT',
      );
      expect((await inventory(event.id)).held).toBe(3 - freed);
    }

    const [, , third, fourth] = holds;
    await holder.client.bookings.cancel.mutate({ bookingId: third?.id ?? '' });
    const offered = await entryOf(group, event.id);
    expect(offered).toMatchObject({ id: head.id, status: 'offered' });
    const offer = await group.client.bookings.get.query({
      bookingId: offered.offerBookingId ?? '',
    });
    expect(offer).toMatchObject({ status: 'pending', quantity: 3, totalCents: 3000 });
    expect(await entryOf(single, event.id)).toMatchObject({ status: 'waiting', position: 1 });
    expect(await inventory(event.id)).toEqual({ capacity: 4, confirmed: 0, held: 4 });

    await holder.client.bookings.cancel.mutate({ bookingId: fourth?.id ?? '' });
    expect(await entryOf(single, event.id)).toMatchObject({ status: 'offered', position: null });
    await group.client.bookings.confirm.mutate({ bookingId: offer.id });
    expect(await entryOf(group, event.id)).toMatchObject({ status: 'converted' });
    expect(await inventory(event.id)).toEqual({ capacity: 4, confirmed: 3, held: 1 });
  });

  it('passes the seats on when an offer is cancelled or its entry leaves while offered', async () => {
    const event = await publishedEvent({ capacity: 2 });
    const hold = await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    const [a, b, c] = [user(3), user(4), user(5)];
    for (const u of [a, b, c]) {
      await u.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 2 });
    }
    await holder.client.bookings.cancel.mutate({ bookingId: hold.id });
    const offerA = await entryOf(a, event.id);
    expect(offerA.status).toBe('offered');

    // The offered user cancels the offer booking: their entry is over, the next one is offered.
    const cancelled = await a.client.bookings.cancel.mutate({
      bookingId: offerA.offerBookingId ?? '',
    });
    expect(cancelled.status).toBe('cancelled');
    expect(await entryOf(a, event.id)).toMatchObject({ status: 'left', position: null });
    const offerB = await entryOf(b, event.id);
    expect(offerB.status).toBe('offered');
    expect(await entryOf(c, event.id)).toMatchObject({ status: 'waiting', position: 1 });

    // The next one leaves the waitlist with the offer in hand: it declines the offer.
    const left = await b.client.bookings.waitlist.leave.mutate({ entryId: offerB.id });
    expect(left.status).toBe('left');
    expect(
      (await b.client.bookings.get.query({ bookingId: offerB.offerBookingId ?? '' })).status,
    ).toBe('cancelled');
    const offerC = await entryOf(c, event.id);
    expect(offerC.status).toBe('offered');
    expect(await inventory(event.id)).toEqual({ capacity: 2, confirmed: 0, held: 2 });

    // The organizer cancels the last offer: nobody waits, so the seats are free to anyone.
    await organizer.client.bookings.cancel.mutate({ bookingId: offerC.offerBookingId ?? '' });
    expect(await entryOf(c, event.id)).toMatchObject({ status: 'left' });
    expect(await app.client().bookings.availability.query({ eventId: event.id })).toMatchObject({
      available: 2,
      waitlistLength: 0,
      soldOut: false,
    });
    await expectAppCode(
      a.client.bookings.cancel.mutate({ bookingId: offerA.offerBookingId ?? '' }),
      'INVALID_STATE',
    );
  });

  it('offers the seats of a capacity increase to the queue, head first', async () => {
    const event = await publishedEvent({ capacity: 2 });
    await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    const [a, b, c] = [user(6), user(7), user(8)];
    await a.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    await b.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 2 });
    await c.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });

    let version = event.version;
    const resize = async (capacity: number) => {
      const updated = await organizer.client.events.update.mutate({
        id: event.id,
        expectedVersion: version,
        patch: { capacity },
      });
      version = updated.version;
      return updated;
    };
    const statuses = async () => (await queueOf(event.id)).map((e) => e.status);

    await resize(3);
    expect(await statuses()).toEqual(['offered', 'waiting', 'waiting']);
    await resize(4);
    // One seat free, but the head (b) wants 2: it keeps it; c behind gets nothing.
    expect(await statuses()).toEqual(['offered', 'waiting', 'waiting']);
    expect(await inventory(event.id)).toEqual({ capacity: 4, confirmed: 0, held: 3 });
    await resize(5);
    expect(await statuses()).toEqual(['offered', 'offered', 'waiting']);
    await resize(6);
    expect(await statuses()).toEqual(['offered', 'offered', 'offered']);
    expect(await inventory(event.id)).toEqual({ capacity: 6, confirmed: 0, held: 6 });
    expect((await entryOf(b, event.id)).offerBookingId).not.toBeNull();
    await expectAppCode(
      organizer.client.events.update.mutate({
        id: event.id,
        expectedVersion: version,
        patch: { capacity: 5 },
      }),
      'CAPACITY_BELOW_BOOKED',
    );
  });

  it('cancels every booking and closes every entry when the event is cancelled', async () => {
    const event = await publishedEvent({ capacity: 3 });
    const confirmed = await holder.client.bookings.create.mutate({
      eventId: event.id,
      quantity: 1,
    });
    await holder.client.bookings.confirm.mutate({ bookingId: confirmed.id });
    const held = await outsider.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const spare = await outsider.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const [a, b, c] = [user(9), user(10), user(11)];
    await a.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    await b.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    await c.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 2 });
    await outsider.client.bookings.cancel.mutate({ bookingId: spare.id });
    const offer = await entryOf(a, event.id);
    expect(offer.status).toBe('offered');

    const reason = 'Storm <warning> & "flooding"';
    await organizer.client.events.cancel.mutate({ id: event.id, reason });
    // The bookings module reacts to event.cancelled through the outbox, in the worker.
    await expect
      .poll(async () => (await queueOf(event.id)).map((e) => e.status), { timeout: 15_000 })
      .toEqual(['closed', 'closed', 'closed']);
    const bookings = await organizer.client.bookings.listForEvent.query({
      eventId: event.id,
      limit: 100,
    });
    expect(bookings.items.map((bk) => [bk.id, bk.status]).sort()).toEqual(
      [
        [confirmed.id, 'cancelled'],
        [held.id, 'cancelled'],
        [spare.id, 'cancelled'],
        [offer.offerBookingId, 'cancelled'],
      ].sort(),
    );
    expect(await inventory(event.id)).toMatchObject({ confirmed: 0, held: 0 });
    for (const u of [a, b, c]) {
      expect(await entryOf(u, event.id)).toMatchObject({ status: 'closed', position: null });
    }
    await expectAppCode(
      b.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 }),
      'EVENT_NOT_BOOKABLE',
    );

    // One mail per person the event took bookings or waitlist places from (the notifications
    // module's event-cancelled mail, with the organizer's reason), not one per booking.
    await mailsSettled();
    const forEvent = (u: SignedUp, subject: string) =>
      mailsTo(u, subject).filter((m) => m.text.includes(event.title));
    const cancelledEvent = 'Your Evently event was cancelled';
    const cancelledBooking = 'Your Evently booking was cancelled';
    for (const u of [holder, outsider, a, b, c]) {
      expect(forEvent(u, cancelledEvent), u.email).toHaveLength(1);
    }
    // The spare, cancelled by hand before, had its own mail; the event took no other booking's.
    expect(forEvent(outsider, cancelledBooking)).toHaveLength(1);
    for (const u of [holder, a, b, c]) expect(forEvent(u, cancelledBooking)).toHaveLength(0);
    const [mail] = forEvent(a, cancelledEvent);
    expect(mail?.text).toContain(`Reason given: ${reason}`);
    expect(mail?.html).toContain('Storm &lt;warning&gt; &amp; &quot;flooding&quot;');
  });

  it('holds maxPerUser across a join: seats owned plus the queued ones, refused with nothing changed', async () => {
    const event = await publishedEvent({ capacity: 4, maxPerBooking: 2, maxPerUser: 3 });
    const [a, b] = [user(12), user(13)];
    const own = await a.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    const { db } = app.db.handle;
    const snapshot = async () => ({
      inventory: await db
        .selectFrom('event_inventory')
        .select(['confirmed', 'held', 'version'])
        .where('event_id', '=', event.id)
        .executeTakeFirstOrThrow(),
      // Ordered: the worker marks outbox rows relayed and delivered meanwhile, and an updated
      // row moves in the heap, so an unordered read may list the same rows in another order.
      entries: await db
        .selectFrom('waitlist_entries')
        .select('id')
        .where('event_id', '=', event.id)
        .orderBy('id')
        .execute(),
      keys: await db
        .selectFrom('idempotency_keys')
        .select('key')
        .where('user_id', '=', a.tokens.user.id)
        .orderBy('key')
        .execute(),
      audits: await db.selectFrom('audit_log').select('id').orderBy('seq').execute(),
      outbox: await db.selectFrom('outbox').select('id').orderBy('seq').execute(),
    });
    const before = await snapshot();
    const key = `join-${randomUUID()}`;

    // 2 held + 2 queued > 3: refused like a direct booking over the limit, pending seats counted.
    const refused = await expectAppCode(
      a.client.bookings.waitlist.join.mutate({
        eventId: event.id,
        quantity: 2,
        idempotencyKey: key,
      }),
      'QUANTITY_LIMIT_EXCEEDED',
    );
    expect(refused.details).toEqual({ maxPerUser: 3, alreadyBooked: 2 });
    expect(await snapshot()).toEqual(before);
    // Confirmed seats count the same.
    await a.client.bookings.confirm.mutate({ bookingId: own.id });
    const afterConfirm = await snapshot();
    const again = await expectAppCode(
      a.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 2 }),
      'QUANTITY_LIMIT_EXCEEDED',
    );
    expect(again.details).toEqual({ maxPerUser: 3, alreadyBooked: 2 });
    expect(await snapshot()).toEqual(afterConfirm);

    // Up to the limit is fine; the refused call did not record its key (no IDEMPOTENCY_KEY_REUSED).
    const entry = await a.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 1,
      idempotencyKey: key,
    });
    expect(entry).toMatchObject({ status: 'waiting', quantity: 1 });
    // Someone who owns nothing queues a whole booking's worth.
    expect(
      await b.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 2 }),
    ).toMatchObject({ status: 'waiting', quantity: 2 });
    expect((await queueOf(event.id)).map((e) => e.userId)).toEqual([
      a.tokens.user.id,
      b.tokens.user.id,
    ]);
  });

  it('passes over an entry whose offer would take its user over a lowered maxPerUser', async () => {
    const event = await publishedEvent({ capacity: 4, maxPerBooking: 2, maxPerUser: 4 });
    const [a, b] = [user(14), user(0)];
    await a.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    const hold = await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    const head = await a.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 2 });
    const behind = await b.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 1,
    });
    // The organizer lowers the limit while they wait: a already owns 2, the new limit.
    await organizer.client.events.update.mutate({
      id: event.id,
      expectedVersion: event.version,
      patch: { maxPerUser: 2 },
    });

    await holder.client.bookings.cancel.mutate({ bookingId: hold.id });
    // a's offer of 2 would make 4 > 2: a's entry is closed, the seats go on to b.
    expect((await queueOf(event.id)).map((e) => [e.id, e.status, e.position])).toEqual([
      [head.id, 'closed', null],
      [behind.id, 'offered', null],
    ]);
    expect(await entryOf(a, event.id)).toMatchObject({ status: 'closed', offerBookingId: null });
    expect(await inventory(event.id)).toEqual({ capacity: 4, confirmed: 0, held: 3 });
    expect(await app.client().bookings.availability.query({ eventId: event.id })).toMatchObject({
      available: 1,
      waitlistLength: 0,
    });
    const bookingsOfA = await a.client.bookings.mine.query({ limit: 100 });
    expect(bookingsOfA.items.filter((bk) => bk.eventId === event.id)).toHaveLength(1);

    // The domain event and the audit trail say why; no offer was ever made to a.
    const { db } = app.db.handle;
    const events = await db
      .selectFrom('outbox')
      .select(['topic', 'payload'])
      .where('aggregate_id', '=', head.id)
      .orderBy('seq')
      .execute();
    expect(events.map((e) => e.topic)).toEqual(['waitlist.joined', 'waitlist.closed']);
    expect(events[1]?.payload).toMatchObject({
      entryId: head.id,
      eventId: event.id,
      userId: a.tokens.user.id,
      quantity: 2,
      reason: expect.stringContaining('limit of 2 seats per person'),
    });
    const audits = await db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'after'])
      .where('entity', '=', 'waitlist_entry')
      .where('entity_id', '=', head.id)
      .orderBy('seq')
      .execute();
    expect(audits.map((r) => r.action)).toEqual(['join', 'pass_over']);
    expect(audits[1]).toMatchObject({
      actor_id: null,
      after: { status: 'closed', maxPerUser: 2, alreadyBooked: 2 },
    });
    await expectAppCode(
      a.client.bookings.waitlist.leave.mutate({ entryId: head.id }),
      'INVALID_STATE',
    );
  });

  it('refuses to queue while seats are free and nobody waits, and checks what it queues', async () => {
    const event = await publishedEvent({ capacity: 3, maxPerBooking: 2 });
    const [a, b] = [user(12), user(13)];
    await expectAppCode(
      a.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 2 }),
      'INVALID_STATE',
    );
    await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    // One seat is free: a queue for one seat is refused, for two it is taken.
    await expectAppCode(
      a.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 }),
      'INVALID_STATE',
    );
    await expectAppCode(
      a.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 3 }),
      'QUANTITY_LIMIT_EXCEEDED',
    );
    const key = `join-${randomUUID()}`;
    const entry = await a.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 2,
      idempotencyKey: key,
    });
    const replay = await a.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 2,
      idempotencyKey: key,
    });
    expect(replay.id).toBe(entry.id);
    await expectAppCode(
      a.client.bookings.waitlist.join.mutate({
        eventId: event.id,
        quantity: 1,
        idempotencyKey: key,
      }),
      'IDEMPOTENCY_KEY_REUSED',
    );
    await expectAppCode(
      a.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 2 }),
      'INVALID_STATE',
    );
    // Someone waits, so a one-seat join is taken now although a seat is free.
    const second = await b.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 1,
    });
    expect(second).toMatchObject({ status: 'waiting', quantity: 1 });
    expect((await queueOf(event.id)).map((e) => e.id)).toEqual([entry.id, second.id]);

    const draft = await organizer.client.events.create.mutate({
      title: 'Draft',
      venue: 'x',
      description: '',
      startsAt: new Date(Date.now() + 48 * HOUR).toISOString(),
      endsAt: new Date(Date.now() + 50 * HOUR).toISOString(),
      capacity: 5,
      priceCents: 0,
      currency: 'EUR',
      maxPerBooking: 2,
    });
    await expectAppCode(
      a.client.bookings.waitlist.join.mutate({ eventId: draft.id, quantity: 1 }),
      'NOT_FOUND',
    );
    await expectAppCode(
      a.client.bookings.waitlist.join.mutate({ eventId: randomUUID(), quantity: 1 }),
      'NOT_FOUND',
    );
  });

  it('shows live positions in waitlist.mine as entries ahead leave or get offers', async () => {
    const event = await publishedEvent({ capacity: 1 });
    const hold = await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const queue = [user(0), user(1), user(2), user(3)];
    for (const u of queue) {
      await u.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    }
    const positions = async () =>
      Promise.all(queue.map(async (u) => (await entryOf(u, event.id)).position));
    expect(await positions()).toEqual([1, 2, 3, 4]);
    const second = await entryOf(user(1), event.id);
    await user(1).client.bookings.waitlist.leave.mutate({ entryId: second.id });
    expect(await positions()).toEqual([1, null, 2, 3]);
    await holder.client.bookings.cancel.mutate({ bookingId: hold.id });
    expect(await positions()).toEqual([null, null, 1, 2]);
    // Entries of other events do not count, and mine lists every event's entry of the caller.
    const mine = await user(2).client.bookings.waitlist.mine.query();
    expect(mine.filter((e) => e.eventId === event.id)).toHaveLength(1);
    expect(mine.every((e) => e.userId === user(2).tokens.user.id)).toBe(true);
  });

  it('answers a join with the joiner’s live place in line, on a replay of its key too', async () => {
    const event = await publishedEvent({ capacity: 1 });
    const hold = await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const [a, b] = [user(9), user(10)];
    const key = `join-${randomUUID()}`;
    const joinB = () =>
      b.client.bookings.waitlist.join.mutate({
        eventId: event.id,
        quantity: 1,
        idempotencyKey: key,
      });
    const first = await a.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    expect(first).toMatchObject({ status: 'waiting', position: 1 });
    const second = await joinB();
    expect(second).toMatchObject({ status: 'waiting', position: 2 });
    // The replay answers with the place as it is now, not as it was.
    await a.client.bookings.waitlist.leave.mutate({ entryId: first.id });
    expect(await joinB()).toMatchObject({ id: second.id, status: 'waiting', position: 1 });
    await holder.client.bookings.cancel.mutate({ bookingId: hold.id });
    expect(await joinB()).toMatchObject({ id: second.id, status: 'offered', position: null });
  });

  it('shows the queue to its organizer and an admin only, positions across pages', async () => {
    const event = await publishedEvent({ capacity: 1 });
    await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const queue = [user(4), user(5), user(6), user(7), user(8)];
    const entries = [];
    for (const u of queue) {
      entries.push(
        await u.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 }),
      );
    }
    await user(5).client.bookings.waitlist.leave.mutate({ entryId: entries[1]?.id ?? '' });

    const seen: WaitlistEntry[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: WaitlistEntry[]; nextCursor: string | null } =
        await organizer.client.bookings.waitlist.forEvent.query({
          eventId: event.id,
          limit: 2,
          cursor,
        });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((e) => e.id)).toEqual(entries.map((e) => e.id));
    expect(seen.map((e) => [e.status, e.position])).toEqual([
      ['waiting', 1],
      ['left', null],
      ['waiting', 2],
      ['waiting', 3],
      ['waiting', 4],
    ]);
    expect(seen.map((e) => e.userId)).toEqual(queue.map((u) => u.tokens.user.id));

    const admin = await app.admin();
    const asAdmin = await admin.client.bookings.waitlist.forEvent.query({
      eventId: event.id,
      limit: 100,
    });
    expect(asAdmin.items).toHaveLength(5);
    await expectAppCode(
      user(4).client.bookings.waitlist.forEvent.query({ eventId: event.id, limit: 10 }),
      'FORBIDDEN',
    );
    await expectAppCode(
      outsider.client.bookings.waitlist.forEvent.query({ eventId: randomUUID(), limit: 10 }),
      'NOT_FOUND',
    );
    const otherOrganizer = await app.signUp({ role: 'organizer' });
    const draft = await organizer.client.events.create.mutate({
      title: 'Draft',
      venue: 'x',
      description: '',
      startsAt: new Date(Date.now() + 48 * HOUR).toISOString(),
      endsAt: new Date(Date.now() + 50 * HOUR).toISOString(),
      capacity: 5,
      priceCents: 0,
      currency: 'EUR',
      maxPerBooking: 2,
    });
    await expectAppCode(
      otherOrganizer.client.bookings.waitlist.forEvent.query({ eventId: draft.id, limit: 10 }),
      'NOT_FOUND',
    );
    await expectAppCode(
      otherOrganizer.client.bookings.waitlist.forEvent.query({ eventId: event.id, limit: 10 }),
      'FORBIDDEN',
    );
  });

  it('lets entries leave while cancellations offer their seats, without deadlocks', async () => {
    // Leaving locked the entry, then the inventory row; promotion locks the inventory row, then
    // the head entry: the two met in a deadlock (INTERNAL) under the analytics mix.
    const event = await publishedEvent({ capacity: 4, maxPerBooking: 1 });
    const seated = [0, 1, 2, 3].map(user);
    const bookings = await Promise.all(
      seated.map((u) => u.client.bookings.create.mutate({ eventId: event.id, quantity: 1 })),
    );
    const waiters = Array.from({ length: QUEUE_SIZE - 4 }, (_, i) => user(i + 4));
    const entries = await Promise.all(
      waiters.map((u) =>
        u.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 }),
      ),
    );
    const outcomes = await Promise.allSettled([
      ...bookings.map((b, i) => seated[i]?.client.bookings.cancel.mutate({ bookingId: b.id })),
      ...entries.map((e, i) =>
        waiters[i]?.client.bookings.waitlist.leave.mutate({ entryId: e.id }),
      ),
    ]);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String(o.reason))).toEqual(
      [],
    );
    // Everyone left: no one waits, no offer is outstanding, and every seat is free again.
    const queue = await queueOf(event.id);
    expect(queue.filter((e) => e.status === 'waiting' || e.status === 'offered')).toEqual([]);
    expect(await inventory(event.id)).toEqual({ capacity: 4, confirmed: 0, held: 0 });
  });

  it('lets an entry leave at any time, and only its owner', async () => {
    const event = await publishedEvent({ capacity: 3 });
    const hold = await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    const [group, single, late] = [user(9), user(10), user(11)];
    const head = await group.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 3,
    });
    const behind = await single.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 1,
    });
    await expectAppCode(
      single.client.bookings.waitlist.leave.mutate({ entryId: head.id }),
      'NOT_FOUND',
    );
    // The organizer sees the entry in the event's queue, but leaving is its owner's act.
    await expectAppCode(
      organizer.client.bookings.waitlist.leave.mutate({ entryId: head.id }),
      'FORBIDDEN',
    );
    // A seat frees; the group at the head keeps it. When the group leaves, the one behind it
    // gets the seat at once.
    await holder.client.bookings.cancel.mutate({ bookingId: hold.id });
    expect(await entryOf(group, event.id)).toMatchObject({ status: 'waiting', position: 1 });
    expect(await entryOf(single, event.id)).toMatchObject({ status: 'waiting', position: 2 });
    const left = await group.client.bookings.waitlist.leave.mutate({ entryId: head.id });
    expect(left).toMatchObject({ id: head.id, status: 'left', position: null });
    expect(await entryOf(single, event.id)).toMatchObject({ id: behind.id, status: 'offered' });
    await expectAppCode(
      group.client.bookings.waitlist.leave.mutate({ entryId: head.id }),
      'INVALID_STATE',
    );
    // Leaving after converting is refused: the booking is cancelled instead.
    const offered = await entryOf(single, event.id);
    await single.client.bookings.confirm.mutate({ bookingId: offered.offerBookingId ?? '' });
    await expectAppCode(
      single.client.bookings.waitlist.leave.mutate({ entryId: behind.id }),
      'INVALID_STATE',
    );
    // Having left, one may queue again (at the back).
    await late.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 2 });
    const again = await group.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 2,
    });
    expect(again.id).not.toBe(head.id);
    expect(await entryOf(group, event.id)).toMatchObject({ status: 'waiting', position: 2 });
  });
});

// Offers that lapse: an app whose offers live 3 s (WAITLIST_OFFER_MINUTES=0.05), with the
// worker's exact expiry jobs running.
describe('waitlist offers that lapse', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let holder: SignedUp;
  let first: SignedUp;
  let second: SignedUp;
  const { publishedEvent, entryOf, inventory, mailsSettled, mailsTo } = waitlistKit(() => ({
    app,
    organizer,
  }));

  beforeAll(async () => {
    app = await startTestApp({ bookings: { holdMinutes: 15, offerMinutes: OFFER_MS / 60_000 } });
    [organizer, holder, first, second] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp({ name: 'First <in> line' }),
      app.signUp(),
    ]);
  });
  afterAll(async () => app?.close());

  it('passes a lapsed offer on to the next entry, then frees the seat when nobody waits', async () => {
    const event = await publishedEvent({ capacity: 1 });
    const hold = await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const a = await first.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    const b = await second.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    const beforeCancel = Date.now();
    await holder.client.bookings.cancel.mutate({ bookingId: hold.id });
    const afterCancel = Date.now();

    // The offer was made during the cancel, for the offer lifetime (3 s): bracketed by the
    // clock around the call, whatever the machine's load.
    const offerA = await entryOf(first, event.id);
    expect(offerA.status).toBe('offered');
    const offerExpiresAt = new Date(offerA.offerExpiresAt ?? 0).getTime();
    expect(offerExpiresAt).toBeGreaterThanOrEqual(beforeCancel + OFFER_MS);
    expect(offerExpiresAt).toBeLessThanOrEqual(afterCancel + OFFER_MS);

    await expect
      .poll(async () => (await entryOf(first, event.id)).status, { timeout: 30_000, interval: 50 })
      .toBe('expired');
    expect(
      (await first.client.bookings.get.query({ bookingId: offerA.offerBookingId ?? '' })).status,
    ).toBe('expired');
    // The lapse passed the seat on at once: the next entry got an offer of its own (which may
    // itself have lapsed by now on a busy machine — its lifetime is only 3 s).
    const offerB = await entryOf(second, event.id);
    expect(offerB.id).toBe(b.id);
    expect(['offered', 'expired']).toContain(offerB.status);
    expect(offerB.offerBookingId).not.toBeNull();
    expect(offerB.offerBookingId).not.toBe(offerA.offerBookingId);
    // One snapshot: the seat is held exactly while that offer is pending.
    const { held, offerStatus } = await app.db.handle.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => ({
        held: (
          await trx
            .selectFrom('event_inventory')
            .select('held')
            .where('event_id', '=', event.id)
            .executeTakeFirstOrThrow()
        ).held,
        offerStatus: (
          await trx
            .selectFrom('bookings')
            .select('status')
            .where('id', '=', offerB.offerBookingId ?? '')
            .executeTakeFirstOrThrow()
        ).status,
      }));
    expect(held).toBe(offerStatus === 'pending' ? 1 : 0);
    // A lapsed entry is over: it neither counts as waiting nor can be left.
    expect(await entryOf(first, event.id)).toMatchObject({ status: 'expired', position: null });
    await expectAppCode(
      first.client.bookings.waitlist.leave.mutate({ entryId: a.id }),
      'INVALID_STATE',
    );

    await expect
      .poll(async () => (await entryOf(second, event.id)).status, { timeout: 30_000, interval: 50 })
      .toBe('expired');
    expect(await inventory(event.id)).toEqual({ capacity: 1, confirmed: 0, held: 0 });
    expect(await app.client().bookings.availability.query({ eventId: event.id })).toMatchObject({
      available: 1,
      waitlistLength: 0,
      soldOut: false,
    });
    await expectAppCode(
      second.client.bookings.confirm.mutate({ bookingId: offerB.offerBookingId ?? '' }),
      'BOOKING_EXPIRED',
    );

    // Each of them: one joined mail, one offer with its deadline, one lapse — exactly once.
    await mailsSettled();
    for (const [u, entry] of [
      [first, offerA],
      [second, offerB],
    ] as const) {
      expect(mailsTo(u, JOINED_SUBJECT)).toHaveLength(1);
      const offers = mailsTo(u, OFFER_SUBJECT);
      expect(offers).toHaveLength(1);
      const deadline = entry.offerExpiresAt ?? '';
      expect(offers[0]?.text).toContain(`before ${formatUtc(deadline)} (${deadline})`);
      const lapsed = mailsTo(u, 'Your Evently hold has expired');
      expect(lapsed).toHaveLength(1);
      expect(lapsed[0]?.text).toContain(`Booking: ${entry.offerBookingId}`);
    }
    expect(mailsTo(first, OFFER_SUBJECT)[0]?.html).toContain('Hello First &lt;in&gt; line,');
  });
});
