import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';

// Stripe's objects as its API reference documents them (the local endpoint answers them), and
// its webhook deliveries as Stripe sends them (https://docs.stripe.com/webhooks): events shaped
// like Stripe's Event object, signed by the official library's own test helper
// (`stripe.webhooks.generateTestHeaderString`), posted to an API's webhook route.

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A Stripe-like object id: `pi_3MtwBwLkdIwHu7ix28a3tqPa`. */
export function stripeId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  return `${prefix}_${Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('')}`;
}

/** The fields of Stripe's PaymentIntent object the local endpoint keeps. */
export interface PaymentIntentObject {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  automatic_payment_methods: { enabled: boolean } | null;
  client_secret: string;
  created: number;
  currency: string;
  description: string | null;
  latest_charge: string | null;
  livemode: false;
  metadata: Record<string, string>;
  payment_method: string | null;
  status: 'requires_payment_method' | 'succeeded';
}

/** The fields of Stripe's Refund object the local endpoint keeps. */
export interface RefundObject {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: string;
  charge: string | null;
  created: number;
  currency: string;
  metadata: Record<string, string>;
  payment_intent: string;
  reason: string | null;
  status: 'succeeded' | 'pending';
}

const seconds = () => Math.floor(Date.now() / 1000);

/** Stripe's Event object (https://docs.stripe.com/api/events/object), as a webhook carries it. */
export interface StripeEventObject {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

function eventOf(type: string, object: Record<string, unknown>): StripeEventObject {
  return {
    id: stripeId('evt'),
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: seconds(),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

/** `payment_intent.succeeded` for a PaymentIntent (as `pay` answers it, or altered). */
export function paymentIntentSucceeded(intent: PaymentIntentObject): StripeEventObject {
  return eventOf('payment_intent.succeeded', { ...intent });
}

/** `checkout.session.completed` of a Checkout Session paid through `paymentIntent`. */
export function checkoutSessionCompleted(input: {
  paymentIntent: string;
  amountTotal: number;
  currency: string;
  bookingId: string;
  paymentStatus?: 'paid' | 'unpaid';
}): StripeEventObject {
  return eventOf('checkout.session.completed', {
    id: stripeId('cs_test', 58),
    object: 'checkout.session',
    amount_subtotal: input.amountTotal,
    amount_total: input.amountTotal,
    currency: input.currency.toLowerCase(),
    livemode: false,
    metadata: { evently_booking_id: input.bookingId },
    mode: 'payment',
    payment_intent: input.paymentIntent,
    payment_status: input.paymentStatus ?? 'paid',
    status: 'complete',
  });
}

export interface SignedDelivery {
  body: string;
  headers: Record<string, string>;
}

/**
 * A webhook delivery as Stripe sends it: the event's JSON and its `Stripe-Signature`, made by
 * `stripe.webhooks.generateTestHeaderString` (the current time unless `timestamp`, in seconds).
 */
export function signedDelivery(
  event: StripeEventObject,
  secret: string,
  options: { timestamp?: number } = {},
): SignedDelivery {
  const body = JSON.stringify(event, null, 2);
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret,
    ...(options.timestamp !== undefined && { timestamp: options.timestamp }),
  });
  return {
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'stripe-signature': signature,
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
    },
  };
}

export const STRIPE_WEBHOOK_ROUTE = '/payments/stripe/webhook';

/** Posts a delivery to an API's webhook route: its status and JSON answer. */
export async function deliver(
  apiUrl: string,
  delivery: SignedDelivery,
): Promise<{
  status: number;
  body: { outcome?: string; error?: { data?: { appCode?: string } } };
}> {
  const response = await fetch(`${apiUrl}${STRIPE_WEBHOOK_ROUTE}`, {
    method: 'POST',
    headers: delivery.headers,
    body: delivery.body,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}
