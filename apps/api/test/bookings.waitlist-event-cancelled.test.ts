import { describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import type { SignedUp } from './harness.js';
import { payFor } from './payments.js';
import { useWaitlist } from './waitlist.fixtures.js';

// An event cancelled with a queue: the bookings module closes it through the outbox, in the
// worker, and the notifications module mails each person once.
describe('waitlist: the event is cancelled', () => {
  const waitlist = useWaitlist({ queuers: 3 });
  const { publishedEvent, entryOf, queueOf, inventory, mailsSettled, mailsTo } = waitlist;

  it('cancels every booking and closes every entry when the event is cancelled', async () => {
    const { organizer, holder, outsider, user } = waitlist.cast();
    const event = await publishedEvent({ capacity: 3 });
    const confirmed = await holder.client.bookings.create.mutate({
      eventId: event.id,
      quantity: 1,
    });
    await payFor(organizer.client, confirmed);
    const held = await outsider.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const spare = await outsider.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const [a, b, c] = [user(0), user(1), user(2)];
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
});
