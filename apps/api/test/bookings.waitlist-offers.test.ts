import { describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { expectOneItemPerBooking } from './booking-ledger.js';
import { useWaitlist } from './waitlist.fixtures.js';

// Offers of the waitlist over HTTP: who gets freed or added seats, and what happens to an offer
// that is cancelled, declined or no longer allowed.
describe('waitlist: offers', () => {
  const waitlist = useWaitlist({ queuers: 3 });
  const { publishedEvent, entryOf, queueOf, inventory } = waitlist;

  it('passes the seats on when an offer is cancelled or its entry leaves while offered', async () => {
    const { app, organizer, holder, user } = waitlist.cast();
    const event = await publishedEvent({ capacity: 2 });
    const hold = await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    const [a, b, c] = [user(0), user(1), user(2)];
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
    const { organizer, holder, user } = waitlist.cast();
    const event = await publishedEvent({ capacity: 2 });
    await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    const [a, b, c] = [user(0), user(1), user(2)];
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

  it('passes over an entry whose offer would take its user over a lowered maxPerUser', async () => {
    const { app, organizer, holder, user } = waitlist.cast();
    const event = await publishedEvent({ capacity: 4, maxPerBooking: 2, maxPerUser: 4 });
    const [a, b] = [user(0), user(1)];
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

  it("writes every booking of the cases above, offers included, as one line of its event's type", async () => {
    await expectOneItemPerBooking(waitlist.cast().app.db.handle.db);
  });
});
