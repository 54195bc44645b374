import { randomUUID } from 'node:crypto';
import type { Event } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingsWorkerService } from '../src/modules/bookings/bookings.service.js';
import { expectAppCode } from './app-error.js';
import { bookingsJobs } from './bookings-jobs.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { payFor } from './payments.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const CLOSED_SUBJECT = 'Your Evently waitlist place was closed';

// The sales window holds on every way to a seat — direct bookings, waitlist joins, offers and
// confirmations — with time driven by the injected clock of the API and the worker (no sleeps).
describe('the sales window', () => {
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  /** Moves the clock to `at` (never back). */
  const moveTo = (at: number) => {
    offsetMs = Math.max(offsetMs, at - Date.now());
  };

  let app: TestApp;
  let organizer: SignedUp;
  let holder: SignedUp;
  let first: SignedUp;
  let second: SignedUp;
  let late: SignedUp;

  beforeAll(async () => {
    // Tokens outlive the hours the clock moves forward.
    app = await startTestApp({ now, accessTokenTtlSeconds: 7 * 24 * 3600 });
    [organizer, holder, first, second, late] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
      app.signUp(),
      app.signUp(),
    ]);
  });
  afterAll(async () => app?.close());

  /** A paid event on sale from start+1 h to start+3 h of the clock now; two seats. */
  async function windowedEvent(): Promise<Event & { opensAt: number; closesAt: number }> {
    const t0 = now().getTime();
    const opensAt = t0 + HOUR;
    const closesAt = t0 + 3 * HOUR;
    const event = await organizer.client.events.create.mutate({
      title: `Window ${randomUUID().slice(0, 6)}`,
      venue: 'Hall',
      description: '',
      startsAt: new Date(t0 + 48 * HOUR).toISOString(),
      endsAt: new Date(t0 + 50 * HOUR).toISOString(),
      capacity: 2,
      priceCents: 1000,
      currency: 'EUR',
      maxPerBooking: 2,
      salesStartAt: new Date(opensAt).toISOString(),
      salesEndAt: new Date(closesAt).toISOString(),
    });
    const published = await organizer.client.events.publish.mutate({ id: event.id });
    return { ...published, opensAt, closesAt };
  }

  /**
   * Sold out with confirmed seats (nothing that could expire behind the test's back): paid, which
   * confirms them.
   */
  async function soldOut(eventId: string) {
    const booking = await holder.client.bookings.create.mutate({ eventId, quantity: 2 });
    return payFor(organizer.client, booking);
  }

  const entryOf = async (user: SignedUp, eventId: string) =>
    (await user.client.bookings.waitlist.mine.query()).find((e) => e.eventId === eventId);

  const inventory = (eventId: string) =>
    app.db.handle.db
      .selectFrom('event_inventory')
      .select(['confirmed', 'held'])
      .where('event_id', '=', eventId)
      .executeTakeFirstOrThrow();

  const closedMailsTo = (user: SignedUp) =>
    app.smtp.messages.filter(
      (m) => m.envelopeTo.includes(user.email) && m.subject === CLOSED_SUBJECT,
    );

  it('refuses a waitlist join before sales open and after they close, as bookings.create does', async () => {
    const event = await windowedEvent();
    await expectAppCode(
      first.client.bookings.create.mutate({ eventId: event.id, quantity: 1 }),
      'EVENT_NOT_BOOKABLE',
    );
    await expectAppCode(
      first.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 }),
      'EVENT_NOT_BOOKABLE',
    );

    moveTo(event.opensAt + MINUTE);
    await soldOut(event.id);
    const entry = await first.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 1,
    });
    expect(entry.status).toBe('waiting');

    moveTo(event.closesAt);
    await expectAppCode(
      late.client.bookings.create.mutate({ eventId: event.id, quantity: 1 }),
      'EVENT_NOT_BOOKABLE',
    );
    await expectAppCode(
      late.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 }),
      'EVENT_NOT_BOOKABLE',
    );
    expect(await entryOf(late, event.id)).toBeUndefined();
  });

  it('makes no offer once sales have closed: freed seats stay free and the queue is closed', async () => {
    const event = await windowedEvent();
    moveTo(event.opensAt + MINUTE);
    const sold = await soldOut(event.id);
    await first.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    await second.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 2 });

    moveTo(event.closesAt + MINUTE);
    await holder.client.bookings.cancel.mutate({ bookingId: sold.id, reason: 'cannot come' });
    // No seat after close: nobody holds one, and each waiting entry is closed with the reason.
    expect(await inventory(event.id)).toEqual({ confirmed: 0, held: 0 });
    for (const user of [first, second]) {
      expect(await entryOf(user, event.id)).toMatchObject({
        status: 'closed',
        position: null,
        offerBookingId: null,
      });
    }
    await expect
      .poll(() => closedMailsTo(first).filter((m) => m.text.includes(event.title)), {
        timeout: 20_000,
      })
      .toHaveLength(1);
    expect(closedMailsTo(first).find((m) => m.text.includes(event.title))?.text).toContain(
      'Reason given: Sales for this event have closed.',
    );
  });

  it('never lets an offer or a hold outlive the close, so neither is confirmed after it', async () => {
    const event = await windowedEvent();
    moveTo(event.opensAt + MINUTE);
    const sold = await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    await payFor(organizer.client, sold);

    // Ten minutes before the close: a 15-minute hold and a 30-minute offer end at the close.
    moveTo(event.closesAt - 10 * MINUTE);
    const hold = await second.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    expect(hold.expiresAt).toBe(new Date(event.closesAt).toISOString());
    await first.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    await late.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    await holder.client.bookings.cancel.mutate({ bookingId: sold.id });
    const offered = await entryOf(first, event.id);
    expect(offered).toMatchObject({
      status: 'offered',
      offerExpiresAt: new Date(event.closesAt).toISOString(),
    });

    moveTo(event.closesAt + MINUTE);
    await expectAppCode(
      first.client.bookings.confirm.mutate({ bookingId: offered?.offerBookingId ?? '' }),
      'BOOKING_EXPIRED',
    );
    await expectAppCode(
      second.client.bookings.confirm.mutate({ bookingId: hold.id }),
      'BOOKING_EXPIRED',
    );
    // Nor by a payment: the lapsed hold's seat cannot be sold again after the close (and the
    // refused payment is not recorded).
    await expectAppCode(payFor(organizer.client, hold), 'EVENT_NOT_BOOKABLE');
    expect(
      (await organizer.client.payments.forBooking.query({ bookingId: hold.id })).payments,
    ).toEqual([]);
    // The lapsed offer offered nothing on: the one behind is closed, every seat is free.
    await expect
      .poll(async () => (await entryOf(late, event.id))?.status, { timeout: 20_000 })
      .toBe('closed');
    expect(await entryOf(first, event.id)).toMatchObject({ status: 'expired' });
    await expect
      .poll(() => inventory(event.id), { timeout: 20_000 })
      .toEqual({
        confirmed: 0,
        held: 0,
      });
  });

  it('refuses to confirm a hold after the organizer closed sales early, and changes nothing', async () => {
    const event = await windowedEvent();
    moveTo(event.opensAt + MINUTE);
    const hold = await first.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const expiresAt = new Date(hold.expiresAt ?? 0).getTime();
    await organizer.client.events.update.mutate({
      id: event.id,
      expectedVersion: event.version,
      patch: { salesEndAt: new Date(now().getTime() + MINUTE).toISOString() },
    });
    moveTo(now().getTime() + 2 * MINUTE);
    expect(now().getTime()).toBeLessThan(expiresAt);
    // Its buyer could never confirm a paid hold; the organizer's unpaid override is refused
    // after the close too.
    await expectAppCode(
      first.client.bookings.confirm.mutate({ bookingId: hold.id }),
      'PAYMENT_REQUIRED',
    );
    await expectAppCode(
      organizer.client.bookings.confirm.mutate({ bookingId: hold.id }),
      'EVENT_NOT_BOOKABLE',
    );
    expect(await first.client.bookings.get.query({ bookingId: hold.id })).toMatchObject({
      status: 'pending',
      expiresAt: hold.expiresAt,
    });
    expect(await inventory(event.id)).toEqual({ confirmed: 0, held: 1 });
  });

  it('closes the queue of an event whose sales closed with nobody releasing a seat (the job)', async () => {
    const event = await windowedEvent();
    moveTo(event.opensAt + MINUTE);
    await soldOut(event.id);
    await first.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    // The worker's job, as it runs every minute, on the same clock.
    const bookings: BookingsWorkerService = bookingsJobs(app, now);
    // (Other tests' queues may be closed by it: the job serves every event.)
    await bookings.serveWaitlists();
    expect(await entryOf(first, event.id)).toMatchObject({ status: 'waiting', position: 1 });

    moveTo(event.closesAt);
    expect((await bookings.serveWaitlists()).closed).toBeGreaterThanOrEqual(1);
    expect(await entryOf(first, event.id)).toMatchObject({ status: 'closed', position: null });
    // Once is enough: a second run finds nothing left to close.
    expect((await bookings.serveWaitlists()).closed).toBe(0);
  });
});
