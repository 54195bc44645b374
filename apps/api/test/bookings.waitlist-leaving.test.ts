import { describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { payFor } from './payments.js';
import { useWaitlist } from './waitlist.fixtures.js';

const QUEUE_SIZE = 15;

// Leaving the waitlist over HTTP: at any time, only by its owner, and concurrently with the
// cancellations that offer seats to the queue.
describe('waitlist: leaving', () => {
  const waitlist = useWaitlist({ queuers: QUEUE_SIZE });
  const { publishedEvent, entryOf, queueOf, inventory } = waitlist;

  it('lets entries leave while cancellations offer their seats, without deadlocks', async () => {
    const { user } = waitlist.cast();
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
    const { organizer, holder, user } = waitlist.cast();
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
    // Leaving after converting (the paid offer confirmed by its payment) is refused: the
    // booking is cancelled instead.
    const offered = await entryOf(single, event.id);
    const offer = await single.client.bookings.get.query({
      bookingId: offered.offerBookingId ?? '',
    });
    await payFor(organizer.client, offer);
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
