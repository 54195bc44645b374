import { randomUUID } from 'node:crypto';
import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import {
  countOf,
  holdWithCheckout,
  ledgerOf,
  paidEvent,
  useStripeApp,
} from './payments.stripe.fixtures.js';
import {
  checkoutSessionCompleted,
  deliver,
  paymentIntentSucceeded,
  STRIPE_WEBHOOK_ROUTE,
  signedDelivery,
} from './stripe-endpoint.js';

// Stripe through the real API over HTTP (SDK for procedures, raw fetch for the webhook), with
// the official library pointed at a local endpoint (test/stripe-endpoint.ts) and webhooks signed
// by the library's own test helper.

/**
 * Rows of every table a webhook may write, over all bookings (only what payments write: other
 * consumers may be busy meanwhile): a refused delivery changes none.
 */
async function totals(db: Kysely<Database>) {
  const { rows } = await sql<Record<string, string>>`
    SELECT (SELECT count(*) FROM payments) AS payments,
           (SELECT count(*) FROM refunds) AS refunds,
           (SELECT count(*) FROM stripe_events) AS stripe_events,
           (SELECT count(*) FROM outbox WHERE topic IN ('booking.confirmed', 'payment.received',
              'refund.requested', 'refund.succeeded')) AS outbox,
           (SELECT count(*) FROM audit_log WHERE entity IN ('booking', 'payment', 'refund')) AS audit_log,
           (SELECT count(*) FROM bookings WHERE status = 'confirmed') AS confirmed`.execute(db);
  return rows[0];
}

describe('payments through Stripe: checkout and webhook', () => {
  const cast = useStripeApp();

  it('createCheckout: the holder gets the endpoint’s PaymentIntent, the same one again; nobody else may', async () => {
    const { app, endpoint, organizer, buyer, other } = cast();
    const event = await paidEvent(organizer.client);
    const booking = await buyer.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    expect(booking).toMatchObject({ status: 'pending', totalCents: 3_000, currency: 'EUR' });

    const first = await buyer.client.payments.createCheckout.mutate({ bookingId: booking.id });
    const intent = endpoint.paymentIntent(first.paymentIntentId);
    expect(first).toEqual({
      provider: 'stripe',
      paymentIntentId: expect.stringMatching(/^pi_/),
      clientSecret: intent?.client_secret,
    });
    expect(intent).toMatchObject({
      amount: 3_000,
      currency: 'eur',
      metadata: { evently_booking_id: booking.id },
      status: 'requires_payment_method',
    });

    // A reload of the payment page: the same PaymentIntent (Stripe replays the booking's key).
    const second = await buyer.client.payments.createCheckout.mutate({ bookingId: booking.id });
    expect(second).toEqual(first);
    const sent = endpoint
      .callsTo('POST', '/v1/payment_intents')
      .filter((c) => c.idempotencyKey === booking.id);
    expect(sent.map((c) => c.replayed)).toEqual([false, true]);
    // Still the same one after the organizer renamed the event (Stripe refuses a key reused with
    // other parameters, so nothing that may change can be among them).
    await organizer.client.events.update.mutate({
      id: event.id,
      expectedVersion: event.version,
      patch: { title: `${event.title} (new date)` },
    });
    expect(await buyer.client.payments.createCheckout.mutate({ bookingId: booking.id })).toEqual(
      first,
    );

    // The holder only: a stranger does not see the booking, its managers and the admin may not pay it.
    const callsBefore = endpoint.calls.length;
    await expectAppCode(
      other.client.payments.createCheckout.mutate({ bookingId: booking.id }),
      'NOT_FOUND',
    );
    await expectAppCode(
      organizer.client.payments.createCheckout.mutate({ bookingId: booking.id }),
      'FORBIDDEN',
    );
    const admin = await app.admin();
    await expectAppCode(
      admin.client.payments.createCheckout.mutate({ bookingId: booking.id }),
      'FORBIDDEN',
    );
    await expectAppCode(
      buyer.client.payments.createCheckout.mutate({ bookingId: randomUUID() }),
      'NOT_FOUND',
    );
    expect(endpoint.calls.length).toBe(callsBefore);

    // The buyer still cannot confirm it themselves: a paid booking is confirmed by a payment.
    await expectAppCode(
      buyer.client.bookings.confirm.mutate({ bookingId: booking.id }),
      'PAYMENT_REQUIRED',
    );
  });

  it('the webhook refuses a bad signature, an unknown booking, the wrong amount or currency, and changes nothing; a replay is already handled', async () => {
    const { app, endpoint, organizer, buyer, db } = cast();
    const event = await paidEvent(organizer.client);
    const { booking, checkout } = await holdWithCheckout(buyer.client, event.id);
    const paid = endpoint.pay(checkout.paymentIntentId);
    const secret = endpoint.webhookSecret;
    const before = { ledger: await ledgerOf(db, booking.id), totals: await totals(db) };
    expect(before.ledger).toMatchObject({ status: 'pending', payments: [], refunds: [] });

    const expectRefused = async (
      what: string,
      status: number,
      appCode: string,
      delivery: Parameters<typeof deliver>[1],
    ) => {
      const answer = await deliver(app.url, delivery);
      expect({ what, status: answer.status, appCode: answer.body.error?.data?.appCode }).toEqual({
        what,
        status,
        appCode,
      });
      expect({ what, ledger: await ledgerOf(db, booking.id), totals: await totals(db) }).toEqual({
        what,
        ...before,
      });
    };

    const valid = paymentIntentSucceeded(paid);
    // Signed with someone else's secret; signed right, then altered; unsigned.
    await expectRefused(
      'wrong secret',
      400,
      'VALIDATION_FAILED',
      signedDelivery(valid, 'whsec_notOurs0123456789abcdef'),
    );
    const signed = signedDelivery(valid, secret);
    await expectRefused('tampered body', 400, 'VALIDATION_FAILED', {
      ...signed,
      body: signed.body.replace('"amount_received": 3000', '"amount_received": 3001'),
    });
    await expectRefused('no signature', 400, 'VALIDATION_FAILED', {
      body: signed.body,
      headers: { 'content-type': 'application/json' },
    });
    // Signed ten minutes ago: outside Stripe's five-minute tolerance.
    await expectRefused(
      'old timestamp',
      400,
      'VALIDATION_FAILED',
      signedDelivery(valid, secret, { timestamp: Math.floor(Date.now() / 1000) - 600 }),
    );
    // Correctly signed, but naming no booking of ours, or not matching the booking's total.
    const altered = (change: Partial<typeof paid>) =>
      signedDelivery(paymentIntentSucceeded({ ...paid, ...change }), secret);
    await expectRefused(
      'unknown booking',
      404,
      'NOT_FOUND',
      altered({ metadata: { evently_booking_id: randomUUID() } }),
    );
    await expectRefused(
      'not a booking id',
      404,
      'NOT_FOUND',
      altered({ metadata: { evently_booking_id: 'bk_1' } }),
    );
    await expectRefused(
      'wrong amount',
      422,
      'PAYMENT_MISMATCH',
      altered({ amount: 2_999, amount_received: 2_999 }),
    );
    await expectRefused('wrong currency', 422, 'PAYMENT_MISMATCH', altered({ currency: 'usd' }));
    await expectRefused(
      'session, wrong amount',
      422,
      'PAYMENT_MISMATCH',
      signedDelivery(
        checkoutSessionCompleted({
          paymentIntent: paid.id,
          amountTotal: 300,
          currency: 'EUR',
          bookingId: booking.id,
        }),
        secret,
      ),
    );
    // A refused event left no trace: delivered again once right, it is handled.
    expect(before.ledger.stripeEvents.map((e) => e.id)).not.toContain(valid.id);

    const handled = await deliver(app.url, signed);
    expect(handled).toEqual({ status: 200, body: { received: true, outcome: 'confirmed' } });
    const after = { ledger: await ledgerOf(db, booking.id), totals: await totals(db) };
    expect(after.ledger).toMatchObject({
      status: 'confirmed',
      payments: [
        {
          provider: 'stripe',
          method: 'card',
          amount_cents: '3000',
          refunded_cents: '0',
          currency: 'EUR',
          reference: paid.id,
        },
      ],
      refunds: [],
    });
    expect(after.ledger.stripeEvents).toContainEqual({
      id: valid.id,
      type: 'payment_intent.succeeded',
      outcome: 'confirmed',
    });

    // Stripe delivers it again (a new signature, the same event id): 2xx, and nothing changes.
    for (const delivery of [signedDelivery(valid, secret), signed]) {
      const replay = await deliver(app.url, delivery);
      expect(replay).toEqual({ status: 200, body: { received: true, outcome: 'already-handled' } });
    }
    expect({ ledger: await ledgerOf(db, booking.id), totals: await totals(db) }).toEqual(after);
    expect(countOf(after.ledger.topics, 'booking.confirmed')).toBe(1);
    expect(countOf(after.ledger.topics, 'payment.received')).toBe(1);
  });

  it('checkout.session.completed and payment_intent.succeeded for one PaymentIntent make one payment', async () => {
    const { app, endpoint, organizer, buyer, db } = cast();
    const event = await paidEvent(organizer.client);
    const secret = endpoint.webhookSecret;
    const eventsFor = async () => {
      const { booking, checkout } = await holdWithCheckout(buyer.client, event.id);
      const paid = endpoint.pay(checkout.paymentIntentId);
      const session = checkoutSessionCompleted({
        paymentIntent: paid.id,
        amountTotal: paid.amount,
        currency: paid.currency,
        bookingId: booking.id,
      });
      return { booking, paid, events: [session, paymentIntentSucceeded(paid)] as const };
    };

    // One after the other: the session confirms, the PaymentIntent's event finds the payment.
    const one = await eventsFor();
    const answers = [];
    for (const e of one.events) answers.push(await deliver(app.url, signedDelivery(e, secret)));
    expect(answers.map((a) => [a.status, a.body.outcome])).toEqual([
      [200, 'confirmed'],
      [200, 'payment-known'],
    ]);
    // Both at once, for another booking: still one payment.
    const two = await eventsFor();
    const together = await Promise.all(
      two.events.map((e) => deliver(app.url, signedDelivery(e, secret))),
    );
    expect(together.map((a) => a.status)).toEqual([200, 200]);
    expect(together.map((a) => a.body.outcome).sort()).toEqual(['confirmed', 'payment-known']);

    for (const { booking, paid, events } of [one, two]) {
      const ledger = await ledgerOf(db, booking.id);
      expect(ledger.status).toBe('confirmed');
      expect(ledger.payments).toEqual([
        expect.objectContaining({ provider: 'stripe', reference: paid.id, amount_cents: '3000' }),
      ]);
      expect(ledger.refunds).toEqual([]);
      expect(countOf(ledger.topics, 'booking.confirmed')).toBe(1);
      expect(countOf(ledger.topics, 'payment.received')).toBe(1);
      expect(ledger.audits.filter((a) => a === 'booking:confirm-paid')).toHaveLength(1);
      const handled = ledger.stripeEvents.filter((s) => events.some((e) => e.id === s.id));
      expect(handled.map((s) => s.type).sort()).toEqual([
        'checkout.session.completed',
        'payment_intent.succeeded',
      ]);
      // What the owner sees, and what a paid booking answers to another checkout.
      expect(await buyer.client.payments.forBooking.query({ bookingId: booking.id })).toEqual({
        payments: [
          expect.objectContaining({
            provider: 'stripe',
            method: 'card',
            amountCents: 3_000,
            currency: 'EUR',
            reference: paid.id,
          }),
        ],
        refunds: [],
      });
      await expectAppCode(
        buyer.client.payments.createCheckout.mutate({ bookingId: booking.id }),
        'INVALID_STATE',
      );
    }
  });

  it('events that are not a payment of ours are acknowledged and ignored', async () => {
    const { app, endpoint, organizer, buyer, db } = cast();
    const event = await paidEvent(organizer.client);
    const { booking, checkout } = await holdWithCheckout(buyer.client, event.id);
    const paid = endpoint.pay(checkout.paymentIntentId);
    const before = await totals(db);
    const foreign = paymentIntentSucceeded({ ...paid, metadata: { order: 'shop-123' } });
    const unpaidSession = checkoutSessionCompleted({
      paymentIntent: paid.id,
      amountTotal: paid.amount,
      currency: paid.currency,
      bookingId: booking.id,
      paymentStatus: 'unpaid',
    });
    const other = { ...paymentIntentSucceeded(paid), type: 'payment_intent.created' };
    for (const e of [foreign, unpaidSession, other]) {
      const answer = await deliver(app.url, signedDelivery(e, endpoint.webhookSecret));
      expect(answer).toEqual({ status: 200, body: { received: true, outcome: 'ignored' } });
    }
    expect(await totals(db)).toEqual(before);
    expect((await ledgerOf(db, booking.id)).status).toBe('pending');
  });
});

describe('payments without Stripe configured', () => {
  let app: TestApp;
  let buyer: SignedUp;
  let organizer: SignedUp;
  beforeAll(async () => {
    app = await startTestApp();
    [organizer, buyer] = await Promise.all([app.signUp({ role: 'organizer' }), app.signUp()]);
  }, 120_000);
  afterAll(async () => app?.close());

  it('createCheckout answers INVALID_STATE and the webhook route does not exist', async () => {
    const event = await paidEvent(organizer.client);
    const booking = await buyer.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    await expectAppCode(
      buyer.client.payments.createCheckout.mutate({ bookingId: booking.id }),
      'INVALID_STATE',
    );
    const response = await fetch(`${app.url}${STRIPE_WEBHOOK_ROUTE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
      body: '{}',
    });
    expect(response.status).toBe(404);
    // Managers mark payments instead.
    const confirmed = await organizer.client.payments.markPaid.mutate({
      bookingId: booking.id,
      amountCents: booking.totalCents,
      currency: booking.currency,
      method: 'transfer',
      reference: 'bank-1',
    });
    expect(confirmed.status).toBe('confirmed');
  });
});
