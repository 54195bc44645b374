import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useApiCluster } from './api-cluster.fixtures.js';
import { type ApiProcess, type Caller, clientOf } from './api-cluster.js';
import { eventInput } from './event-input.js';
import { countOf, inventoryOf, ledgerOf } from './payments.stripe.fixtures.js';
import {
  checkoutSessionCompleted,
  deliver,
  paymentIntentSucceeded,
  type StripeEndpoint,
  type StripeEventObject,
  signedDelivery,
  startStripeEndpoint,
} from './stripe-endpoint.js';

// The production layout: two `pnpm start:api` processes on one database and Redis, configured
// with STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and STRIPE_API_URL (a local endpoint standing in
// for api.stripe.com). Stripe delivers a payment's event several times at once, to both
// processes: the booking is confirmed exactly once, and every delivery is acknowledged.
describe('a Stripe payment delivered concurrently to two API processes', () => {
  let endpoint: StripeEndpoint;
  // Filled before the processes start (this hook is registered, so runs, first).
  const env: Record<string, string> = {};
  beforeAll(async () => {
    endpoint = await startStripeEndpoint();
    Object.assign(env, endpoint.env);
  });
  const cast = useApiCluster({ database: 'payments_stripe_cluster', attendees: 2, env });
  afterAll(async () => endpoint?.close());

  /** A hold made through one process and its PaymentIntent through the other, then paid. */
  async function paidHold(buyer: Caller, quantity = 2) {
    const { organizer, apis } = cast();
    const [a, b] = apis as [ApiProcess, ApiProcess];
    const event = await organizer.events.create.mutate(
      eventInput({ capacity: 10, priceCents: 2_500 }),
    );
    await organizer.events.publish.mutate({ id: event.id });
    const booking = await clientOf(b, buyer).bookings.create.mutate({
      eventId: event.id,
      quantity,
    });
    const checkout = await clientOf(a, buyer).payments.createCheckout.mutate({
      bookingId: booking.id,
    });
    // The process's library called the endpoint of STRIPE_API_URL with STRIPE_SECRET_KEY.
    expect(
      endpoint
        .callsTo('POST', '/v1/payment_intents')
        .filter((c) => c.idempotencyKey === booking.id),
    ).toEqual([
      expect.objectContaining({
        authorization: `Bearer ${endpoint.secretKey}`,
        form: expect.objectContaining({
          amount: String(booking.totalCents),
          currency: 'eur',
          'metadata[evently_booking_id]': booking.id,
        }),
      }),
    ]);
    return { event, booking, paid: endpoint.pay(checkout.paymentIntentId) };
  }

  /** Each event `times` times, all at once, spread over both processes (a fresh signature each). */
  function deliverAtOnce(events: StripeEventObject[], times: number) {
    const { apis } = cast();
    const deliveries = events.flatMap((e) => Array.from({ length: times }, () => e));
    return Promise.all(
      deliveries.map((e, i) =>
        deliver(
          (apis[i % apis.length] as ApiProcess).url,
          signedDelivery(e, endpoint.webhookSecret),
        ),
      ),
    );
  }

  it('payment_intent.succeeded 5 times at once to both processes: confirmed once, one payment, every delivery 2xx', async () => {
    const { db, attendees } = cast();
    const { event, booking, paid } = await paidHold(attendees[0] as Caller);
    const stripeEvent = paymentIntentSucceeded(paid);

    const answers = await deliverAtOnce([stripeEvent], 5);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.map((a) => a.body.outcome).sort()).toEqual([
      'already-handled',
      'already-handled',
      'already-handled',
      'already-handled',
      'confirmed',
    ]);

    const ledger = await ledgerOf(db, booking.id);
    expect(ledger.status).toBe('confirmed');
    expect(ledger.payments).toEqual([
      expect.objectContaining({
        provider: 'stripe',
        amount_cents: '5000',
        currency: 'EUR',
        reference: paid.id,
      }),
    ]);
    expect(ledger.refunds).toEqual([]);
    expect(countOf(ledger.topics, 'booking.confirmed')).toBe(1);
    expect(countOf(ledger.topics, 'payment.received')).toBe(1);
    expect(ledger.audits.filter((a) => a === 'booking:confirm-paid')).toHaveLength(1);
    expect(ledger.stripeEvents.filter((s) => s.id === stripeEvent.id)).toEqual([
      { id: stripeEvent.id, type: 'payment_intent.succeeded', outcome: 'confirmed' },
    ]);
    expect(await inventoryOf(db, event.id)).toEqual({ confirmed: 2, held: 0 });

    // Delivered again later, to either process: already handled.
    const later = await deliverAtOnce([stripeEvent], 2);
    expect(later.map((a) => [a.status, a.body.outcome])).toEqual([
      [200, 'already-handled'],
      [200, 'already-handled'],
    ]);
    expect(await ledgerOf(db, booking.id)).toEqual(ledger);
  });

  it('its checkout.session.completed and payment_intent.succeeded, 5 times each at once: one payment', async () => {
    const { db, attendees } = cast();
    const { event, booking, paid } = await paidHold(attendees[1] as Caller, 3);
    const session = checkoutSessionCompleted({
      paymentIntent: paid.id,
      amountTotal: paid.amount,
      currency: paid.currency,
      bookingId: booking.id,
    });
    const succeeded = paymentIntentSucceeded(paid);

    const answers = await deliverAtOnce([session, succeeded], 5);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const outcomes = answers.map((a) => a.body.outcome);
    expect(countOf(outcomes.map(String), 'confirmed')).toBe(1);
    expect(countOf(outcomes.map(String), 'payment-known')).toBe(1);
    expect(countOf(outcomes.map(String), 'already-handled')).toBe(8);

    const ledger = await ledgerOf(db, booking.id);
    expect(ledger.status).toBe('confirmed');
    expect(ledger.payments).toEqual([
      expect.objectContaining({ amount_cents: '7500', reference: paid.id }),
    ]);
    expect(countOf(ledger.topics, 'booking.confirmed')).toBe(1);
    expect(countOf(ledger.topics, 'payment.received')).toBe(1);
    const handled = ledger.stripeEvents.filter((s) => s.id === session.id || s.id === succeeded.id);
    expect(handled.map((s) => s.outcome).sort()).toEqual(['confirmed', 'payment-known']);
    expect(await inventoryOf(db, event.id)).toEqual({ confirmed: 3, held: 0 });
  });
});
