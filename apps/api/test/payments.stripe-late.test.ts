import { describe, expect, it } from 'vitest';
import { REFUND_REQUESTED_SUBJECT } from '../src/modules/notifications/mail/templates/refund-requested.mail.js';
import { expectAppCode } from './app-error.js';
import { mailsSettled } from './mails-settled.js';
import { payFor } from './payments.js';
import {
  countOf,
  expireHold,
  holdWithCheckout,
  inventoryOf,
  ledgerOf,
  paidEvent,
  payThroughStripe,
  type StripeCast,
  subjectPattern,
  until,
  useStripeApp,
} from './payments.stripe.fixtures.js';
import { deliver, signedDelivery } from './stripe-endpoint.js';

// A payment that arrives after its hold expired (API.md: "confirms the booking if its seats can
// still be allocated, and otherwise records a full refund and mails the buyer"), and one for a
// booking already paid. Time is the app's injected clock; the hold is expired by the worker's
// own expiry job; Stripe is a local endpoint, the webhook signed by the library's test helper.
const HOLD_MINUTES = 10;

const subject = subjectPattern(REFUND_REQUESTED_SUBJECT);

describe('a Stripe payment after the hold expired', () => {
  // Tokens outlive the clock's jumps (they are checked on the same clock).
  const cast = useStripeApp({
    bookings: { holdMinutes: HOLD_MINUTES, offerMinutes: 30 },
    accessTokenTtlSeconds: 86_400,
  });

  /** The worker issues a refund to the endpoint: succeeded with Stripe's id, announced once. */
  async function expectIssued(
    c: StripeCast,
    bookingId: string,
    paymentIntentId: string,
    amount: number,
  ) {
    const ledger = await until(
      () => ledgerOf(c.db, bookingId),
      (l) => l.refunds.length > 0 && l.refunds.every((r) => r.status !== 'pending'),
    );
    const [refund, ...more] = ledger.refunds;
    expect(more).toEqual([]);
    const atStripe = c.endpoint.refunds().filter((r) => r.payment_intent === paymentIntentId);
    expect(atStripe).toEqual([expect.objectContaining({ amount, status: 'succeeded' })]);
    expect(refund).toMatchObject({
      status: 'succeeded',
      provider: 'stripe',
      reference: atStripe[0]?.id,
    });
    const sent = c.endpoint
      .callsTo('POST', '/v1/refunds')
      .filter((call) => call.form.payment_intent === paymentIntentId);
    expect(sent.map((call) => call.idempotencyKey)).toEqual([refund?.id]);
    expect(countOf(ledger.topics, 'refund.succeeded')).toBe(1);
    return ledger;
  }

  it('confirms the booking when its seats can still be allocated', async () => {
    const c = cast();
    const event = await paidEvent(c.organizer.client, { capacity: 10 });
    const { booking, checkout } = await holdWithCheckout(c.buyer.client, event.id, 2);
    expect(await inventoryOf(c.db, event.id)).toEqual({ confirmed: 0, held: 2 });
    await expireHold(c, booking.id, HOLD_MINUTES);
    expect(await inventoryOf(c.db, event.id)).toEqual({ confirmed: 0, held: 0 });
    // Too late to start paying now; but a payment already under way still counts.
    await expectAppCode(
      c.buyer.client.payments.createCheckout.mutate({ bookingId: booking.id }),
      'BOOKING_EXPIRED',
    );

    const { answer } = await payThroughStripe(c, c.app.url, checkout.paymentIntentId);
    expect(answer).toEqual({ status: 200, body: { received: true, outcome: 'confirmed' } });

    const ledger = await ledgerOf(c.db, booking.id);
    expect(ledger.status).toBe('confirmed');
    expect(ledger.payments).toEqual([
      expect.objectContaining({
        provider: 'stripe',
        amount_cents: '3000',
        refunded_cents: '0',
        reference: checkout.paymentIntentId,
      }),
    ]);
    expect(ledger.refunds).toEqual([]);
    expect(ledger.audits.filter((a) => a.startsWith('booking:'))).toEqual([
      'booking:create',
      'booking:expire',
      'booking:confirm-late-payment',
    ]);
    expect(ledger.topics.filter((t) => t !== 'booking.created')).toEqual([
      'booking.expired',
      'payment.received',
      'booking.confirmed',
    ]);
    expect(await inventoryOf(c.db, event.id)).toEqual({ confirmed: 2, held: 0 });
    expect(await c.buyer.client.bookings.availability.query({ eventId: event.id })).toMatchObject({
      confirmed: 2,
      held: 0,
      available: 8,
    });
  });

  it('records the payment and a full refund when someone else took the seats, mails the buyer, and Stripe refunds it', async () => {
    const c = cast();
    const event = await paidEvent(c.organizer.client, { capacity: 2, maxPerBooking: 2 });
    const { booking, checkout } = await holdWithCheckout(c.buyer.client, event.id, 2);
    await expireHold(c, booking.id, HOLD_MINUTES);
    // The last seats go to someone else (bought and paid) before the buyer's money arrives.
    const theirs = await c.other.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    await payFor(c.organizer.client, theirs);
    expect(await inventoryOf(c.db, event.id)).toEqual({ confirmed: 2, held: 0 });

    const { answer, event: stripeEvent } = await payThroughStripe(
      c,
      c.app.url,
      checkout.paymentIntentId,
    );
    expect(answer).toEqual({ status: 200, body: { received: true, outcome: 'refunded' } });

    const recorded = await ledgerOf(c.db, booking.id);
    expect(recorded.status).toBe('expired');
    expect(recorded.payments).toEqual([
      expect.objectContaining({
        provider: 'stripe',
        amount_cents: '3000',
        refunded_cents: '3000',
        reference: checkout.paymentIntentId,
      }),
    ]);
    expect(recorded.refunds).toEqual([
      expect.objectContaining({
        provider: 'stripe',
        amount_cents: '3000',
        payment_id: recorded.payments[0]?.id,
      }),
    ]);
    expect(countOf(recorded.topics, 'booking.confirmed')).toBe(0);
    expect(countOf(recorded.topics, 'payment.received')).toBe(1);
    const requested = recorded.outbox.filter((o) => o.topic === 'refund.requested');
    expect(requested).toEqual([
      expect.objectContaining({
        aggregate_id: recorded.refunds[0]?.id,
        payload: expect.objectContaining({
          cause: 'late_payment',
          provider: 'stripe',
          amountCents: 3_000,
          currency: 'EUR',
          feeCents: 0,
        }),
      }),
    ]);
    // Nobody's seats moved: the other buyer keeps theirs.
    expect(await inventoryOf(c.db, event.id)).toEqual({ confirmed: 2, held: 0 });
    expect((await c.other.client.bookings.get.query({ bookingId: theirs.id })).status).toBe(
      'confirmed',
    );

    await mailsSettled(c.db);
    const mail = await c.app.mail(c.buyer.email, subject);
    expect(mail.text).toContain('after your hold had expired');
    expect(mail.text).toMatch(/30[.,]00/);

    await expectIssued(c, booking.id, checkout.paymentIntentId, 3_000);
    // Stripe delivers the event again: handled already, nothing more refunded.
    const replay = await deliver(c.app.url, signedDelivery(stripeEvent, c.endpoint.webhookSecret));
    expect(replay).toEqual({ status: 200, body: { received: true, outcome: 'already-handled' } });
    const after = await ledgerOf(c.db, booking.id);
    expect(after.refunds).toHaveLength(1);
    expect(countOf(after.topics, 'refund.requested')).toBe(1);
  });

  it('a Stripe payment for a booking already paid (marked by its organizer) is refunded whole; the booking stays', async () => {
    const c = cast();
    const event = await paidEvent(c.organizer.client);
    const { booking, checkout } = await holdWithCheckout(c.buyer.client, event.id, 1);
    await payFor(c.organizer.client, booking);
    const { answer } = await payThroughStripe(c, c.app.url, checkout.paymentIntentId);
    expect(answer).toEqual({ status: 200, body: { received: true, outcome: 'refunded' } });
    const ledger = await ledgerOf(c.db, booking.id);
    expect(ledger.status).toBe('confirmed');
    expect(ledger.payments.map((p) => [p.provider, p.amount_cents, p.refunded_cents])).toEqual([
      ['manual', '1500', '0'],
      ['stripe', '1500', '1500'],
    ]);
    expect(
      ledger.outbox.filter((o) => o.topic === 'refund.requested').map((o) => o.payload),
    ).toEqual([
      expect.objectContaining({
        cause: 'duplicate_payment',
        amountCents: 1_500,
        provider: 'stripe',
      }),
    ]);
    expect(countOf(ledger.topics, 'booking.confirmed')).toBe(1);
    await mailsSettled(c.db);
    await c.app.mail(c.buyer.email, subject);
    await expectIssued(c, booking.id, checkout.paymentIntentId, 1_500);
  });

  it('a Stripe payment for a hold its buyer cancelled meanwhile is refunded whole', async () => {
    const c = cast();
    const event = await paidEvent(c.organizer.client);
    const { booking, checkout } = await holdWithCheckout(c.buyer.client, event.id, 1);
    await c.buyer.client.bookings.cancel.mutate({ bookingId: booking.id });
    const { answer } = await payThroughStripe(c, c.app.url, checkout.paymentIntentId);
    expect(answer).toEqual({ status: 200, body: { received: true, outcome: 'refunded' } });
    const ledger = await ledgerOf(c.db, booking.id);
    expect(ledger.status).toBe('cancelled');
    expect(
      ledger.outbox.filter((o) => o.topic === 'refund.requested').map((o) => o.payload),
    ).toEqual([expect.objectContaining({ cause: 'late_payment', amountCents: 1_500 })]);
    expect(await inventoryOf(c.db, event.id)).toEqual({ confirmed: 0, held: 0 });
    await expectIssued(c, booking.id, checkout.paymentIntentId, 1_500);
  });
});
