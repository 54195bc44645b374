import type { Booking } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { type SeatedEvent, seatedEvent, seatIdsOf } from './seated-event.js';

// The waitlist of a type sold with reserved seats: offers come with the best available seats,
// and the line opens when the seats are gone, even while the event's capacity has room.
describe('waitlist with reserved seats', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let alice: SignedUp;
  let bob: SignedUp;

  beforeAll(async () => {
    app = await startTestApp();
    [organizer, alice, bob] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
    ]);
  });
  afterAll(async () => app?.close());

  const heldSeats = async (hall: SeatedEvent) =>
    hall.names(
      (await app.client().seating.map.query({ eventId: hall.event.id })).seats
        .filter((s) => s.state === 'held')
        .map((s) => s.id),
    );

  /** Bob's offer for the event, once the release made it (in its own transaction). */
  async function offerOf(who: SignedUp, eventId: string): Promise<Booking> {
    const entry = (await who.client.bookings.waitlist.mine.query()).find(
      (e) => e.eventId === eventId,
    );
    expect(entry?.status).toBe('offered');
    return who.client.bookings.get.query({ bookingId: entry?.offerBookingId ?? '' });
  }

  it('offers freed seats with the best available seats, together', async () => {
    const hall = await seatedEvent(app, organizer, [4], { capacity: 4 });
    const { event, typeId } = hall;
    const all = await alice.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: typeId, quantity: 4 }],
    });
    await bob.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 2 });
    await alice.client.bookings.cancel.mutate({ bookingId: all.id });
    const seats = hall.names(seatIdsOf(await offerOf(bob, event.id)));
    expect(seats).toHaveLength(2);
    const [a, b] = seats.map((s) => Number(s.slice(1)));
    expect(Math.abs((a ?? 0) - (b ?? 0))).toBe(1);
    expect(await heldSeats(hall)).toEqual(seats);
  });

  it('opens the line when the seats are gone though the capacity has room', async () => {
    // 100 tickets by capacity, but only 2 seats in the plan.
    const hall = await seatedEvent(app, organizer, [2], { capacity: 100 });
    const { event, typeId } = hall;
    await expectAppCode(
      bob.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 }),
      'INVALID_STATE',
    );
    const both = await alice.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: typeId, quantity: 2 }],
    });
    const entry = await bob.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 1,
    });
    expect(entry.status).toBe('waiting');
    await alice.client.bookings.cancel.mutate({ bookingId: both.id });
    expect(hall.names(seatIdsOf(await offerOf(bob, event.id)))).toHaveLength(1);
    expect(await heldSeats(hall)).toHaveLength(1);
  });
});
