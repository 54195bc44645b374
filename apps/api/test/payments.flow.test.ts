import type { Booking, Event, EventInput } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { bookingsJobs } from './bookings-jobs.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { payFor } from './payments.js';

const HOUR = 3_600_000;

// Money without Stripe, end to end over HTTP: a paid seat is confirmed by a payment a manager
// marks, never by its buyer alone; amounts are checked; what was paid goes back on cancellation
// under the event's policy. Time is the injected clock's.
describe('payments marked by managers', () => {
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  const advance = (ms: number) => {
    offsetMs += ms;
  };

  let app: TestApp;
  let organizer: SignedUp;
  let buyer: SignedUp;
  let other: SignedUp;

  beforeAll(async () => {
    app = await startTestApp({ now, accessTokenTtlSeconds: 60 * 24 * 3600 });
    [organizer, buyer, other] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
    ]);
  });
  afterAll(async () => app?.close());

  const db = () => app.db.handle.db;

  async function published(overrides: Partial<EventInput> = {}): Promise<Event> {
    const start = now().getTime() + 10 * 24 * HOUR;
    const draft = await organizer.client.events.create.mutate(
      eventInput({
        startsAt: new Date(start).toISOString(),
        endsAt: new Date(start + 2 * HOUR).toISOString(),
        priceCents: 2500,
        ...overrides,
      }),
    );
    return organizer.client.events.publish.mutate({ id: draft.id });
  }

  /** What the database holds about a booking's money and state. */
  async function ledger(bookingId: string) {
    const [booking, payments, refunds, outbox] = await Promise.all([
      db().selectFrom('bookings').select('status').where('id', '=', bookingId).executeTakeFirst(),
      db().selectFrom('payments').selectAll().where('booking_id', '=', bookingId).execute(),
      db().selectFrom('refunds').selectAll().where('booking_id', '=', bookingId).execute(),
      db()
        .selectFrom('outbox')
        .select('topic')
        .where('aggregate_id', '=', bookingId)
        .orderBy('seq')
        .execute(),
    ]);
    return { status: booking?.status, payments, refunds, topics: outbox.map((o) => o.topic) };
  }

  const inventory = (eventId: string) =>
    db()
      .selectFrom('event_inventory')
      .select(['confirmed', 'held'])
      .where('event_id', '=', eventId)
      .executeTakeFirstOrThrow();

  const auditActions = async (bookingId: string) =>
    (
      await db()
        .selectFrom('audit_log')
        .select('action')
        .where('entity_id', '=', bookingId)
        .orderBy('seq')
        .execute()
    ).map((a) => a.action);

  it('refuses the buyer of a paid booking its own confirmation, and confirms a free one at once', async () => {
    const event = await published();
    const hold = await buyer.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    expect(hold).toMatchObject({ status: 'pending', totalCents: 5000 });
    const refused = await expectAppCode(
      buyer.client.bookings.confirm.mutate({ bookingId: hold.id }),
      'PAYMENT_REQUIRED',
    );
    expect(refused.httpStatus).toBe(402);
    expect(refused.details).toEqual({ totalCents: 5000, currency: 'EUR' });
    expect(await ledger(hold.id)).toMatchObject({ status: 'pending', payments: [], refunds: [] });
    expect(await inventory(event.id)).toEqual({ confirmed: 0, held: 2 });

    const free = await published({ priceCents: 0 });
    const booked = await buyer.client.bookings.create.mutate({ eventId: free.id, quantity: 1 });
    expect(booked.status).toBe('confirmed');
    await expectAppCode(
      organizer.client.payments.markPaid.mutate({
        bookingId: booked.id,
        amountCents: 1,
        currency: 'EUR',
        method: 'cash',
        reference: 'nothing owed',
      }),
      'INVALID_STATE',
    );
  });

  it("keeps a manager's confirmation without a payment as an audited override", async () => {
    const event = await published();
    const hold = await buyer.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const confirmed = await organizer.client.bookings.confirm.mutate({ bookingId: hold.id });
    expect(confirmed.status).toBe('confirmed');
    expect(await auditActions(hold.id)).toEqual(['create', 'confirm-unpaid']);
    // No money came in: nothing to give back when it is cancelled.
    expect((await ledger(hold.id)).payments).toEqual([]);
    // Money arriving later is recorded against it (the booking stays confirmed).
    await payFor(organizer.client, hold);
    expect((await ledger(hold.id)).payments).toHaveLength(1);
  });

  it('refuses a payment whose amount or currency is not the total, changing nothing', async () => {
    const event = await published();
    const hold = await buyer.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    const mark = (amountCents: number, currency: string) =>
      organizer.client.payments.markPaid.mutate({
        bookingId: hold.id,
        amountCents,
        currency,
        method: 'transfer',
        reference: 'SEPA 123',
      });
    const short = await expectAppCode(mark(4999, 'EUR'), 'PAYMENT_MISMATCH');
    expect(short.httpStatus).toBe(422);
    expect(short.details).toEqual({ totalCents: 5000, currency: 'EUR' });
    await expectAppCode(mark(5001, 'EUR'), 'PAYMENT_MISMATCH');
    await expectAppCode(mark(5000, 'USD'), 'PAYMENT_MISMATCH');
    await expectAppCode(mark(5000, 'eur'), 'VALIDATION_FAILED');
    expect(await ledger(hold.id)).toEqual({
      status: 'pending',
      payments: [],
      refunds: [],
      topics: ['booking.created'],
    });

    const paid = await mark(5000, 'EUR');
    expect(paid.status).toBe('confirmed');
    expect(await ledger(hold.id)).toMatchObject({
      status: 'confirmed',
      topics: ['booking.created', 'booking.confirmed'],
    });
    expect(await auditActions(hold.id)).toEqual(['create', 'confirm-paid']);
    // Paid once: a second payment is refused, not kept.
    await expectAppCode(mark(5000, 'EUR'), 'INVALID_STATE');
    const seen = await buyer.client.payments.forBooking.query({ bookingId: hold.id });
    expect(seen.refunds).toEqual([]);
    expect(seen.payments).toEqual([
      expect.objectContaining({
        bookingId: hold.id,
        provider: 'manual',
        method: 'transfer',
        amountCents: 5000,
        currency: 'EUR',
        reference: 'SEPA 123',
      }),
    ]);
    await expectAppCode(
      other.client.payments.forBooking.query({ bookingId: hold.id }),
      'NOT_FOUND',
    );
    const received = await db()
      .selectFrom('outbox')
      .select('payload')
      .where('topic', '=', 'payment.received')
      .where('aggregate_id', '=', seen.payments[0]?.id ?? '')
      .execute();
    expect(received).toHaveLength(1);
  });

  it('confirms a payment marked after the hold expired while its seats remain, and refuses it once they are gone', async () => {
    const event = await published({ capacity: 2, maxPerBooking: 2 });
    const jobs = bookingsJobs(app, now);
    const late = await buyer.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    advance(16 * 60_000);
    expect(await jobs.sweepExpiredHolds()).toBeGreaterThanOrEqual(1);
    expect((await ledger(late.id)).status).toBe('expired');
    await payFor(organizer.client, late);
    expect(await ledger(late.id)).toMatchObject({ status: 'confirmed', refunds: [] });
    expect(await inventory(event.id)).toEqual({ confirmed: 1, held: 0 });
    expect(await auditActions(late.id)).toEqual(['create', 'expire', 'confirm-late-payment']);

    // Another hold expires and its seat goes to someone else meanwhile.
    const lapsed = await buyer.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    advance(16 * 60_000);
    await jobs.sweepExpiredHolds();
    await other.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    await expectAppCode(payFor(organizer.client, lapsed), 'SOLD_OUT');
    // The manager still has the money in hand: nothing is recorded.
    expect(await ledger(lapsed.id)).toMatchObject({ status: 'expired', payments: [], refunds: [] });
    expect(await inventory(event.id)).toEqual({ confirmed: 1, held: 1 });
  });

  it("refunds an attendee's cancellation less the policy's fee until its deadline, and refuses it after", async () => {
    const start = now().getTime() + 10 * 24 * HOUR;
    const deadline = new Date(start - 2 * 24 * HOUR).toISOString();
    const event = await published({
      cancellationPolicy: { attendeeMayCancelUntil: deadline, feePercent: 10, feeCents: 150 },
    });
    expect(event.cancellationPolicy).toEqual({
      attendeeMayCancelUntil: deadline,
      feePercent: 10,
      feeCents: 150,
    });
    const paid = async (): Promise<Booking> => {
      const hold = await buyer.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
      return payFor(organizer.client, hold);
    };
    const early = await paid();
    await buyer.client.bookings.cancel.mutate({ bookingId: early.id });
    // 5000 paid, 10 % + 1.50 kept.
    const { refunds } = await buyer.client.payments.forBooking.query({ bookingId: early.id });
    expect(refunds).toEqual([
      expect.objectContaining({
        amountCents: 5000 - 500 - 150,
        currency: 'EUR',
        status: 'pending',
        reason: 'cancelled by the attendee',
        reference: null,
        completedAt: null,
      }),
    ]);
    const requested = await db()
      .selectFrom('outbox')
      .select('payload')
      .where('topic', '=', 'refund.requested')
      .where('aggregate_id', '=', refunds[0]?.id ?? '')
      .executeTakeFirstOrThrow();
    expect(requested.payload).toMatchObject({ cause: 'attendee_cancelled', feeCents: 650 });

    // A hold (nothing paid) is cancelled freely even after the deadline; a paid one is not.
    const kept = await paid();
    const hold = await buyer.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    advance(8 * 24 * HOUR + 60_000);
    await buyer.client.bookings.cancel.mutate({ bookingId: hold.id });
    const closed = await expectAppCode(
      buyer.client.bookings.cancel.mutate({ bookingId: kept.id }),
      'CANCELLATION_CLOSED',
    );
    expect(closed.details).toEqual({ attendeeMayCancelUntil: deadline });
    expect(await ledger(kept.id)).toMatchObject({ status: 'confirmed', refunds: [] });
    // The organizer may still cancel it, refunding everything.
    await organizer.client.bookings.cancel.mutate({ bookingId: kept.id, reason: 'Seat broken' });
    const back = await organizer.client.payments.forBooking.query({ bookingId: kept.id });
    expect(back.refunds).toEqual([
      expect.objectContaining({ amountCents: 5000, status: 'pending', reason: 'Seat broken' }),
    ]);

    // Without Stripe, a manager pays refunds back and says so.
    const listed = await organizer.client.refunds.list.query({
      eventId: event.id,
      status: 'pending',
    });
    expect(listed.items.map((r) => r.amountCents).sort()).toEqual([4350, 5000]);
    const refundId = refunds[0]?.id ?? '';
    await expectAppCode(
      buyer.client.refunds.markDone.mutate({ refundId, reference: 'mine' }),
      'FORBIDDEN',
    );
    const done = await organizer.client.refunds.markDone.mutate({ refundId, reference: 'SEPA 77' });
    expect(done).toMatchObject({ status: 'succeeded', reference: 'SEPA 77' });
    expect(done.completedAt).not.toBeNull();
    // Marking it again changes nothing (no second refund.succeeded).
    await organizer.client.refunds.markDone.mutate({ refundId, reference: 'again' });
    const succeeded = await db()
      .selectFrom('outbox')
      .select('topic')
      .where('topic', '=', 'refund.succeeded')
      .where('aggregate_id', '=', refundId)
      .execute();
    expect(succeeded).toHaveLength(1);
    const pendingNow = await organizer.client.refunds.list.query({
      eventId: event.id,
      status: 'pending',
    });
    expect(pendingNow.items.map((r) => r.amountCents)).toEqual([5000]);
  });

  it('refunds every paid booking in full, once, when the event is cancelled', async () => {
    const event = await published({
      capacity: 10,
      cancellationPolicy: { feePercent: 50 },
    });
    const paidOne = await payFor(
      organizer.client,
      await buyer.client.bookings.create.mutate({ eventId: event.id, quantity: 2 }),
    );
    const paidTwo = await payFor(
      organizer.client,
      await other.client.bookings.create.mutate({ eventId: event.id, quantity: 1 }),
    );
    const unpaid = await buyer.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    await organizer.client.events.cancel.mutate({ id: event.id, reason: 'Storm' });
    await expect
      .poll(async () => (await ledger(paidTwo.id)).refunds.length, { timeout: 30_000 })
      .toBe(1);
    const one = await ledger(paidOne.id);
    expect(one.status).toBe('cancelled');
    expect(one.refunds).toEqual([
      expect.objectContaining({ amount_cents: '5000', reason: 'Storm', status: 'pending' }),
    ]);
    expect((await ledger(paidTwo.id)).refunds[0]).toMatchObject({ amount_cents: '2500' });
    expect((await ledger(unpaid.id)).refunds).toEqual([]);
    const all = await db()
      .selectFrom('refunds')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('event_id', '=', event.id)
      .executeTakeFirstOrThrow();
    expect(Number(all.n)).toBe(2);
  });

  it('validates cancellation policies', async () => {
    const start = now().getTime() + 10 * 24 * HOUR;
    const base = eventInput({
      startsAt: new Date(start).toISOString(),
      endsAt: new Date(start + HOUR).toISOString(),
    });
    await expectAppCode(
      organizer.client.events.create.mutate({ ...base, cancellationPolicy: { feePercent: 101 } }),
      'VALIDATION_FAILED',
    );
    await expectAppCode(
      organizer.client.events.create.mutate({
        ...base,
        cancellationPolicy: { attendeeMayCancelUntil: new Date(start + 2 * HOUR).toISOString() },
      }),
      'VALIDATION_FAILED',
    );
    const made = await organizer.client.events.create.mutate(base);
    expect(made.cancellationPolicy).toBeNull();
    const updated = await organizer.client.events.update.mutate({
      id: made.id,
      expectedVersion: made.version,
      patch: { cancellationPolicy: { feeCents: 200 } },
    });
    expect(updated.cancellationPolicy).toEqual({ feeCents: 200 });
  });
});
