import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkoutSessionCompleted,
  type PaymentIntentObject,
  paymentIntentSucceeded,
  type StripeEndpoint,
  signedDelivery,
  startStripeEndpoint,
} from '../../../test/stripe-endpoint.js';
import { createStripeGateway, type StripeGateway, StripeRefused } from './stripe-gateway.js';

// The gateway through the official library against a local endpoint that records what the
// library sends, checked against Stripe's documented request shape
// (https://docs.stripe.com/api/payment_intents/create, /api/refunds/create, /api/idempotent_requests),
// and the webhook signature as the library's own test helper makes it.
describe('the Stripe gateway, through the official library', () => {
  let endpoint: StripeEndpoint;
  let gateway: StripeGateway;

  beforeAll(async () => {
    endpoint = await startStripeEndpoint();
    gateway = createStripeGateway(endpoint.config);
  });
  afterAll(async () => endpoint?.close());

  const intentFor = (bookingId = randomUUID(), amountCents = 3_000) =>
    gateway.createPaymentIntent({
      bookingId,
      amountCents,
      currency: 'EUR',
      description: '2 × Show',
    });

  /** A PaymentIntent paid by its buyer, ready to refund. */
  async function paidIntent(amountCents = 3_000) {
    const bookingId = randomUUID();
    const intent = await intentFor(bookingId, amountCents);
    endpoint.pay(intent.id);
    return { bookingId, paymentIntentId: intent.id };
  }

  it('creates a PaymentIntent as Stripe documents it: form fields, Bearer key, booking id as idempotency key', async () => {
    const bookingId = randomUUID();
    const before = endpoint.calls.length;
    const intent = await intentFor(bookingId);

    const [call, ...more] = endpoint.calls.slice(before);
    expect(more).toEqual([]);
    expect(call).toMatchObject({
      method: 'POST',
      path: '/v1/payment_intents',
      authorization: `Bearer ${endpoint.secretKey}`,
      idempotencyKey: bookingId,
      stripeVersion: Stripe.API_VERSION,
      contentType: 'application/x-www-form-urlencoded',
      status: 200,
      replayed: false,
    });
    // Exactly these parameters, encoded as the library encodes nested hashes.
    expect(call?.form).toEqual({
      amount: '3000',
      currency: 'eur',
      description: '2 × Show',
      'metadata[evently_booking_id]': bookingId,
      'automatic_payment_methods[enabled]': 'true',
    });
    expect(call?.rawBody).toContain(`metadata[evently_booking_id]=${bookingId}`);

    const stored = endpoint.paymentIntent(intent.id);
    expect(intent.id).toMatch(/^pi_[A-Za-z0-9]+$/);
    expect(intent.clientSecret).toMatch(new RegExp(`^${intent.id}_secret_[A-Za-z0-9]+$`));
    expect(stored).toMatchObject({
      client_secret: intent.clientSecret,
      amount: 3_000,
      currency: 'eur',
      metadata: { evently_booking_id: bookingId },
      automatic_payment_methods: { enabled: true },
      status: 'requires_payment_method',
    });
  });

  it('asked again for the same booking, it is the same PaymentIntent (Stripe replays the key)', async () => {
    const bookingId = randomUUID();
    const first = await intentFor(bookingId);
    const second = await intentFor(bookingId);
    expect(second).toEqual(first);
    const sent = endpoint
      .callsTo('POST', '/v1/payment_intents')
      .filter((c) => c.idempotencyKey === bookingId);
    expect(sent.map((c) => c.replayed)).toEqual([false, true]);
  });

  it('a call that failed with 500 is retried with the same idempotency key, and makes one object', async () => {
    const bookingId = randomUUID();
    endpoint.failNext(1, { path: '/v1/payment_intents' });
    const intent = await intentFor(bookingId);
    const sent = endpoint
      .callsTo('POST', '/v1/payment_intents')
      .filter((c) => c.idempotencyKey === bookingId);
    expect(sent.map((c) => c.status)).toEqual([500, 200]);
    expect(sent[1]?.rawBody).toBe(sent[0]?.rawBody);
    expect(endpoint.paymentIntent(intent.id)?.metadata.evently_booking_id).toBe(bookingId);

    const { paymentIntentId, bookingId: paidBooking } = await paidIntent();
    const refundId = randomUUID();
    endpoint.failNext(2, { path: '/v1/refunds' });
    const refund = await gateway.createRefund({
      refundId,
      bookingId: paidBooking,
      paymentIntentId,
      amountCents: 1_000,
    });
    const refundCalls = endpoint
      .callsTo('POST', '/v1/refunds')
      .filter((c) => c.idempotencyKey === refundId);
    expect(refundCalls.map((c) => c.status)).toEqual([500, 500, 200]);
    expect(endpoint.refunds().filter((r) => r.payment_intent === paymentIntentId)).toEqual([
      expect.objectContaining({ id: refund.id, amount: 1_000 }),
    ]);
  });

  it('creates a refund as Stripe documents it: payment_intent, amount, refund id as idempotency key', async () => {
    const { bookingId, paymentIntentId } = await paidIntent();
    const refundId = randomUUID();
    const refund = await gateway.createRefund({
      refundId,
      bookingId,
      paymentIntentId,
      amountCents: 2_700,
    });
    expect(refund).toEqual({ id: expect.stringMatching(/^re_[A-Za-z0-9]+$/), status: 'succeeded' });

    const [call, ...more] = endpoint
      .callsTo('POST', '/v1/refunds')
      .filter((c) => c.idempotencyKey === refundId);
    expect(more).toEqual([]);
    expect(call).toMatchObject({
      authorization: `Bearer ${endpoint.secretKey}`,
      stripeVersion: Stripe.API_VERSION,
      contentType: 'application/x-www-form-urlencoded',
      status: 200,
    });
    expect(call?.form).toEqual({
      payment_intent: paymentIntentId,
      amount: '2700',
      'metadata[evently_booking_id]': bookingId,
      'metadata[evently_refund_id]': refundId,
    });
    // Issued twice (a worker killed after the call), it is one refund at Stripe.
    const again = await gateway.createRefund({
      refundId,
      bookingId,
      paymentIntentId,
      amountCents: 2_700,
    });
    expect(again.id).toBe(refund.id);
    expect(endpoint.refunds().filter((r) => r.payment_intent === paymentIntentId)).toHaveLength(1);
  });

  it('what Stripe refuses (400, unknown PaymentIntent) is StripeRefused; its own failures and a bad key are not', async () => {
    const { bookingId, paymentIntentId } = await paidIntent();
    const refund = (amountCents: number, pi = paymentIntentId) =>
      gateway.createRefund({ refundId: randomUUID(), bookingId, paymentIntentId: pi, amountCents });

    endpoint.refuseNext('Charge ch_123 has been disputed.', { path: '/v1/refunds' });
    const refused = await refund(500).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StripeRefused);
    expect((refused as Error).message).toContain('has been disputed');
    // Stripe's own checks: more than was paid, a PaymentIntent it does not know.
    await expect(refund(3_001)).rejects.toBeInstanceOf(StripeRefused);
    await expect(refund(100, 'pi_unknown0000000000000000')).rejects.toBeInstanceOf(StripeRefused);

    // 500 on every try (the library's two retries included): worth retrying later, not refused.
    endpoint.failNext(3, { path: '/v1/refunds' });
    const down = await refund(100).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(down).not.toBeInstanceOf(StripeRefused);

    const wrongKey = createStripeGateway({ ...endpoint.config, secretKey: 'sk_test_wrong' });
    const unauthorized = await wrongKey
      .createRefund({ refundId: randomUUID(), bookingId, paymentIntentId, amountCents: 100 })
      .catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(unauthorized).not.toBeInstanceOf(StripeRefused);
    expect(endpoint.calls.at(-1)?.authorization).toBe('Bearer sk_test_wrong');
  });

  it('retrieves a refund Stripe left pending: GET /v1/refunds/:id', async () => {
    const { bookingId, paymentIntentId } = await paidIntent();
    endpoint.setRefundStatus('pending');
    try {
      const refund = await gateway.createRefund({
        refundId: randomUUID(),
        bookingId,
        paymentIntentId,
        amountCents: 3_000,
      });
      expect(refund.status).toBe('pending');
      expect(await gateway.retrieveRefund(refund.id)).toEqual({ id: refund.id, status: 'pending' });
      endpoint.settleRefund(refund.id, 'succeeded');
      expect(await gateway.retrieveRefund(refund.id)).toEqual({
        id: refund.id,
        status: 'succeeded',
      });
      const gets = endpoint.callsTo('GET', `/v1/refunds/${refund.id}`);
      expect(gets).toHaveLength(2);
      expect(gets[0]).toMatchObject({ authorization: `Bearer ${endpoint.secretKey}`, rawBody: '' });
    } finally {
      endpoint.setRefundStatus('succeeded');
    }
  });

  describe('verifyEvent', () => {
    const bookingId = randomUUID();
    /** A PaymentIntent its buyer paid, as Stripe reports it (amount_received set). */
    let paid: PaymentIntentObject;
    beforeAll(async () => {
      const intent = await intentFor(bookingId);
      paid = endpoint.pay(intent.id);
    });
    const signedIntentEvent = (secret = endpoint.webhookSecret, timestamp?: number) => {
      const event = paymentIntentSucceeded(paid);
      return {
        event,
        delivery: signedDelivery(event, secret, timestamp === undefined ? {} : { timestamp }),
      };
    };
    const verify = (body: string, signature: string) =>
      gateway.verifyEvent(Buffer.from(body), signature);

    it('accepts a body signed with the webhook secret, and reads its payment', () => {
      const { event, delivery } = signedIntentEvent();
      expect(verify(delivery.body, delivery.headers['stripe-signature'] ?? '')).toEqual({
        id: event.id,
        type: 'payment_intent.succeeded',
        payment: {
          paymentIntentId: paid.id,
          bookingId,
          amountCents: 3_000,
          currency: 'EUR',
        },
      });
      const session = checkoutSessionCompleted({
        paymentIntent: paid.id,
        amountTotal: 3_000,
        currency: 'EUR',
        bookingId,
      });
      const signed = signedDelivery(session, endpoint.webhookSecret);
      expect(verify(signed.body, signed.headers['stripe-signature'] ?? '').payment).toEqual({
        paymentIntentId: paid.id,
        bookingId,
        amountCents: 3_000,
        currency: 'EUR',
      });
      // A session not paid yet (a delayed method) is nothing to act on.
      const unpaid = signedDelivery(
        checkoutSessionCompleted({
          paymentIntent: paid.id,
          amountTotal: 3_000,
          currency: 'EUR',
          bookingId,
          paymentStatus: 'unpaid',
        }),
        endpoint.webhookSecret,
      );
      expect(verify(unpaid.body, unpaid.headers['stripe-signature'] ?? '').payment).toBeNull();
    });

    it('rejects a tampered body, a wrong secret, an old timestamp and a missing signature', () => {
      const { delivery } = signedIntentEvent();
      const signature = delivery.headers['stripe-signature'] ?? '';
      const tampered = delivery.body.replace('"amount_received": 3000', '"amount_received": 1');
      expect(tampered).not.toBe(delivery.body);
      expect(() => verify(tampered, signature)).toThrow(
        Stripe.errors.StripeSignatureVerificationError,
      );

      const otherSecret = signedIntentEvent('whsec_someoneElsesSecret0123456789').delivery;
      expect(() => verify(otherSecret.body, otherSecret.headers['stripe-signature'] ?? '')).toThrow(
        Stripe.errors.StripeSignatureVerificationError,
      );

      // Stripe's tolerance is 5 minutes: a delivery signed 10 minutes ago is a replay.
      const old = signedIntentEvent(
        endpoint.webhookSecret,
        Math.floor(Date.now() / 1000) - 600,
      ).delivery;
      expect(() => verify(old.body, old.headers['stripe-signature'] ?? '')).toThrow(/timestamp/i);

      expect(() => verify(delivery.body, '')).toThrow();
    });
  });
});
