import { randomUUID } from 'node:crypto';
import type { EventInput } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { payFor } from './payments.js';

const HOUR = 3_600_000;

// The bookings procedures end to end, over HTTP through the SDK on Postgres, Redis and SMTP.
describe('bookings', () => {
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

  async function publishedEvent(overrides: Partial<EventInput> = {}) {
    const startsAt = new Date(Date.now() + 10 * 24 * HOUR);
    const event = await organizer.client.events.create.mutate({
      title: `Show ${randomUUID().slice(0, 6)}`,
      venue: 'Hall',
      description: '',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 2 * HOUR).toISOString(),
      capacity: 10,
      priceCents: 1000,
      currency: 'EUR',
      maxPerBooking: 4,
      ...overrides,
    });
    await organizer.client.events.publish.mutate({ id: event.id });
    return event;
  }

  const inventory = (eventId: string) =>
    app.db.handle.db
      .selectFrom('event_inventory')
      .selectAll()
      .where('event_id', '=', eventId)
      .executeTakeFirstOrThrow();

  it('holds seats of a paid event until paid, with a price snapshot', async () => {
    const event = await publishedEvent();
    const booking = await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 3 });
    expect(booking).toMatchObject({
      status: 'pending',
      quantity: 3,
      unitPriceCents: 1000,
      totalCents: 3000,
      currency: 'EUR',
    });
    expect(new Date(booking.expiresAt ?? 0).getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
    expect(await inventory(event.id)).toMatchObject({ held: 3, confirmed: 0 });
    expect(await app.client().bookings.availability.query({ eventId: event.id })).toEqual({
      capacity: 10,
      confirmed: 0,
      held: 3,
      available: 7,
      waitlistLength: 0,
      soldOut: false,
      ticketTypes: [{ ticketTypeId: expect.any(String), available: 7, soldOut: false, waiting: 0 }],
    });
    // A paid seat is confirmed by its payment, not by its buyer: the hold stays as it was.
    await expectAppCode(
      alice.client.bookings.confirm.mutate({ bookingId: booking.id }),
      'PAYMENT_REQUIRED',
    );
    expect(await inventory(event.id)).toMatchObject({ held: 3, confirmed: 0 });
    const confirmed = await payFor(organizer.client, booking);
    expect(confirmed).toMatchObject({ status: 'confirmed', expiresAt: null });
    expect(await inventory(event.id)).toMatchObject({ held: 0, confirmed: 3 });
    await expectAppCode(bob.client.bookings.confirm.mutate({ bookingId: booking.id }), 'NOT_FOUND');
    await expectAppCode(bob.client.bookings.get.query({ bookingId: booking.id }), 'NOT_FOUND');
    expect((await organizer.client.bookings.get.query({ bookingId: booking.id })).id).toBe(
      booking.id,
    );
  });

  it('confirms a free event at once', async () => {
    const event = await publishedEvent({ priceCents: 0 });
    const booking = await bob.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    expect(booking).toMatchObject({ status: 'confirmed', totalCents: 0, expiresAt: null });
    expect(booking.confirmedAt).not.toBeNull();
  });

  it('enforces quantity limits, sold out and bookability', async () => {
    const event = await publishedEvent({ capacity: 5, maxPerUser: 4 });
    await expectAppCode(
      alice.client.bookings.create.mutate({ eventId: event.id, quantity: 5 }),
      'QUANTITY_LIMIT_EXCEEDED',
    );
    await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 3 });
    await expectAppCode(
      alice.client.bookings.create.mutate({ eventId: event.id, quantity: 2 }),
      'QUANTITY_LIMIT_EXCEEDED',
    );
    await expectAppCode(
      bob.client.bookings.create.mutate({ eventId: event.id, quantity: 3 }),
      'SOLD_OUT',
    );
    await expectAppCode(
      alice.client.bookings.create.mutate({ eventId: event.id, quantity: 0 }),
      'VALIDATION_FAILED',
    );
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
    // Someone else's draft is not disclosed; its organizer learns it is not on sale.
    await expectAppCode(
      alice.client.bookings.create.mutate({ eventId: draft.id, quantity: 1 }),
      'NOT_FOUND',
    );
    await expectAppCode(
      organizer.client.bookings.create.mutate({ eventId: draft.id, quantity: 1 }),
      'EVENT_NOT_BOOKABLE',
    );
    const later = await publishedEvent({
      salesStartAt: new Date(Date.now() + 24 * HOUR).toISOString(),
    });
    await expectAppCode(
      alice.client.bookings.create.mutate({ eventId: later.id, quantity: 1 }),
      'EVENT_NOT_BOOKABLE',
    );
  });

  it('replays an idempotency key and refuses it with other parameters', async () => {
    const event = await publishedEvent();
    const key = `key-${randomUUID()}`;
    const first = await alice.client.bookings.create.mutate({
      eventId: event.id,
      quantity: 1,
      idempotencyKey: key,
    });
    const again = await alice.client.bookings.create.mutate({
      eventId: event.id,
      quantity: 1,
      idempotencyKey: key,
    });
    expect(again.id).toBe(first.id);
    await expectAppCode(
      alice.client.bookings.create.mutate({ eventId: event.id, quantity: 2, idempotencyKey: key }),
      'IDEMPOTENCY_KEY_REUSED',
    );
    // Another user's identical key is theirs alone.
    const bobs = await bob.client.bookings.create.mutate({
      eventId: event.id,
      quantity: 1,
      idempotencyKey: key,
    });
    expect(bobs.id).not.toBe(first.id);
    expect((await inventory(event.id)).held).toBe(2);
  });

  it('expires a hold (the job), frees its seats, and refuses a late confirm', async () => {
    const event = await publishedEvent();
    const booking = await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    await app.db.handle.db
      .updateTable('bookings')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', booking.id)
      .execute();
    await expectAppCode(
      alice.client.bookings.confirm.mutate({ bookingId: booking.id }),
      'BOOKING_EXPIRED',
    );
    expect((await alice.client.bookings.get.query({ bookingId: booking.id })).status).toBe(
      'expired',
    );
    expect(await inventory(event.id)).toMatchObject({ held: 0, confirmed: 0 });
    expect(await app.services.bookings.expireHold(booking.id)).toBe(false);
  });

  it('cancels by owner or organizer; freed seats go to the waitlist head as an offer', async () => {
    const event = await publishedEvent({ capacity: 4 });
    const holder = await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 4 });
    await expectAppCode(
      bob.client.bookings.create.mutate({ eventId: event.id, quantity: 1 }),
      'SOLD_OUT',
    );
    const entry = await bob.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 2,
    });
    expect(entry).toMatchObject({ status: 'waiting', quantity: 2 });
    expect(
      (await bob.client.bookings.waitlist.mine.query()).find((e) => e.id === entry.id)?.position,
    ).toBe(1);
    const cancelled = await organizer.client.bookings.cancel.mutate({
      bookingId: holder.id,
      reason: 'refund',
    });
    expect(cancelled.status).toBe('cancelled');
    const offered = (await bob.client.bookings.waitlist.mine.query()).find(
      (e) => e.id === entry.id,
    );
    expect(offered).toMatchObject({ status: 'offered' });
    const offer = await bob.client.bookings.get.query({ bookingId: offered?.offerBookingId ?? '' });
    expect(offer).toMatchObject({ status: 'pending', quantity: 2, waitlistEntryId: entry.id });
    // A paid offer is confirmed by its payment, as any paid hold.
    await payFor(organizer.client, offer);
    expect(
      (await bob.client.bookings.waitlist.mine.query()).find((e) => e.id === entry.id)?.status,
    ).toBe('converted');
    expect(await inventory(event.id)).toMatchObject({ confirmed: 2, held: 0 });
    await expectAppCode(
      alice.client.bookings.cancel.mutate({ bookingId: holder.id }),
      'INVALID_STATE',
    );
  });

  it('replays a waitlist join with its idempotency key and refuses the key with other parameters', async () => {
    const event = await publishedEvent({ capacity: 2, maxPerBooking: 2 });
    await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    const key = `join-${randomUUID()}`;
    const first = await bob.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 1,
      idempotencyKey: key,
    });
    const again = await bob.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 1,
      idempotencyKey: key,
    });
    expect(again.id).toBe(first.id);
    await expectAppCode(
      bob.client.bookings.waitlist.join.mutate({
        eventId: event.id,
        quantity: 2,
        idempotencyKey: key,
      }),
      'IDEMPOTENCY_KEY_REUSED',
    );
  });

  it('shows the audit trail of an event and of a booking to its organizer only, newest first, paged', async () => {
    const event = await publishedEvent();
    const booking = await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    await payFor(organizer.client, booking);
    const trail = await organizer.client.bookings.audit.query({ eventId: event.id, limit: 100 });
    expect(trail.items.map((a) => `${a.entity}:${a.action}`)).toEqual([
      'booking:confirm-paid',
      'booking:create',
      'event:publish',
      'event:create',
    ]);
    const first = await organizer.client.bookings.audit.query({ eventId: event.id, limit: 3 });
    const rest = await organizer.client.bookings.audit.query({
      eventId: event.id,
      limit: 3,
      cursor: first.nextCursor ?? '',
    });
    expect([...first.items, ...rest.items].map((a) => a.id)).toEqual(trail.items.map((a) => a.id));
    const ofBooking = await organizer.client.bookings.audit.query({ bookingId: booking.id });
    expect(ofBooking.items.map((a) => a.action)).toEqual(['confirm-paid', 'create']);
    await expectAppCode(alice.client.bookings.audit.query({ bookingId: booking.id }), 'FORBIDDEN');
    await expectAppCode(bob.client.bookings.audit.query({ eventId: event.id }), 'FORBIDDEN');
    await expectAppCode(bob.client.bookings.audit.query({ bookingId: booking.id }), 'NOT_FOUND');
  });

  it('cancels every booking and closes the waitlist when the event is cancelled', async () => {
    const event = await publishedEvent({ capacity: 2, maxPerBooking: 2 });
    const booking = await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    const entry = await bob.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 1,
    });
    await organizer.client.events.cancel.mutate({ id: event.id, reason: 'storm' });
    await expect
      .poll(async () => (await alice.client.bookings.get.query({ bookingId: booking.id })).status, {
        timeout: 15_000,
      })
      .toBe('cancelled');
    await expect
      .poll(
        async () =>
          (await bob.client.bookings.waitlist.mine.query()).find((e) => e.id === entry.id)?.status,
        { timeout: 15_000 },
      )
      .toBe('closed');
    expect(await inventory(event.id)).toMatchObject({ confirmed: 0, held: 0 });
  });
});
