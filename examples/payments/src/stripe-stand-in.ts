import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';

// What Stripe does once a buyer's card is charged, done locally: a `payment_intent.succeeded`
// event shaped like Stripe's Event object (https://docs.stripe.com/api/events/object), signed by
// the official library's own test helper, posted to the Evently API's webhook route. The API
// verifies it with the same library and STRIPE_WEBHOOK_SECRET, as it verifies Stripe's own.

export const STRIPE_WEBHOOK_PATH = '/payments/stripe/webhook';

/** What the buyer paid: the PaymentIntent the API's checkout created, for the booking's total. */
export interface SucceededPayment {
  paymentIntentId: string;
  bookingId: string;
  amountCents: number;
  /** ISO 4217, as Evently writes it (`EUR`); Stripe's events carry it in lower case. */
  currency: string;
}

/** A Stripe-like object id: `evt_1Q…`. */
const stripeId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/** Stripe's `payment_intent.succeeded` event for a PaymentIntent that was paid in full. */
export function paymentIntentSucceeded(payment: SucceededPayment) {
  const created = Math.floor(Date.now() / 1000);
  return {
    id: stripeId('evt'),
    object: 'event',
    api_version: Stripe.API_VERSION,
    created,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'payment_intent.succeeded',
    data: {
      object: {
        id: payment.paymentIntentId,
        object: 'payment_intent',
        amount: payment.amountCents,
        amount_received: payment.amountCents,
        currency: payment.currency.toLowerCase(),
        // The API's checkout put the booking here; the webhook finds the booking by it.
        metadata: { evently_booking_id: payment.bookingId },
        status: 'succeeded',
        livemode: false,
        created,
      },
    },
  };
}

/** A delivery as Stripe sends it: the event's JSON and its `Stripe-Signature` header. */
export interface SignedDelivery {
  eventId: string;
  body: string;
  signature: string;
}

/** Signs an event with the webhook's secret (`whsec_…`), as Stripe signs its deliveries. */
export function signDelivery(event: { id: string }, secret: string): SignedDelivery {
  const body = JSON.stringify(event, null, 2);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret });
  return { eventId: event.id, body, signature };
}

/** What the API answered: 200 with `outcome` once handled, else its error's appCode. */
export interface DeliveryAnswer {
  status: number;
  /** `confirmed` (this delivery paid the booking), `already-handled` (a repeat), … */
  outcome?: string;
  appCode?: string;
  message?: string;
}

/** Posts a signed delivery to the API's webhook route (the raw body: it is what was signed). */
export async function deliver(apiUrl: string, delivery: SignedDelivery): Promise<DeliveryAnswer> {
  const response = await fetch(`${apiUrl}${STRIPE_WEBHOOK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': delivery.signature },
    body: delivery.body,
  });
  const answer = (await response.json()) as {
    outcome?: string;
    error?: { message?: string; data?: { appCode?: string } };
  };
  return {
    status: response.status,
    ...(answer.outcome !== undefined && { outcome: answer.outcome }),
    ...(answer.error?.data?.appCode !== undefined && { appCode: answer.error.data.appCode }),
    ...(answer.error?.message !== undefined && { message: answer.error.message }),
  };
}
