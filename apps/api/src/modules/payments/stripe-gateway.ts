import Stripe from 'stripe';

/** STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and, for tests and proxies, STRIPE_API_URL. */
export interface StripeConfig {
  secretKey: string;
  webhookSecret: string;
  /** Where the library sends its calls (default Stripe's own https://api.stripe.com). */
  apiUrl?: string | undefined;
}

/** What a Stripe event says about money for a booking (null: nothing we act on). */
export interface StripePayment {
  /** The PaymentIntent: one payment however many of Stripe's events report it. */
  paymentIntentId: string;
  /** `metadata.evently_booking_id`, as sent (the webhook checks it names a booking). */
  bookingId: string | null;
  amountCents: number;
  /** Upper-case, as ours are (Stripe's are lower-case). */
  currency: string;
}

export interface StripeEventView {
  id: string;
  type: string;
  payment: StripePayment | null;
}

/** Stripe refused the call for good (a bad request, a refund of a disputed charge…). */
export class StripeRefused extends Error {}

/**
 * The only door to Stripe, through the official library: PaymentIntents, refunds and the
 * webhook's signature. Every call carries an idempotency key, so a retry after a timeout or a
 * killed worker is the same call to Stripe.
 */
export interface StripeGateway {
  createPaymentIntent(input: {
    bookingId: string;
    amountCents: number;
    currency: string;
    description: string;
  }): Promise<{ id: string; clientSecret: string }>;
  createRefund(input: {
    refundId: string;
    bookingId: string;
    paymentIntentId: string;
    amountCents: number;
  }): Promise<{ id: string; status: string }>;
  /** A refund's state now (one Stripe left pending, asked again later). */
  retrieveRefund(id: string): Promise<{ id: string; status: string }>;
  /** Parses a webhook's raw body once its `Stripe-Signature` checks out; throws otherwise. */
  verifyEvent(rawBody: Buffer, signature: string): StripeEventView;
}

const BOOKING_KEY = 'evently_booking_id';

function paymentOf(event: Stripe.Event): StripePayment | null {
  if (event.type === 'payment_intent.succeeded') {
    const intent = event.data.object;
    return {
      paymentIntentId: intent.id,
      bookingId: intent.metadata[BOOKING_KEY] ?? null,
      amountCents: intent.amount_received,
      currency: intent.currency.toUpperCase(),
    };
  }
  if (event.type === 'checkout.session.completed') {
    const session = event.data.object;
    // Paid now only: a delayed method (a bank debit) is paid when its PaymentIntent succeeds.
    if (session.payment_status !== 'paid' || session.amount_total === null) return null;
    const intent = session.payment_intent;
    return {
      paymentIntentId: typeof intent === 'string' ? intent : (intent?.id ?? session.id),
      bookingId: session.metadata?.[BOOKING_KEY] ?? null,
      amountCents: session.amount_total,
      currency: (session.currency ?? '').toUpperCase(),
    };
  }
  return null;
}

/** A call Stripe refused for good, as opposed to one worth retrying (network, 5xx, 429). */
function refusedForGood(error: unknown): boolean {
  return (
    error instanceof Stripe.errors.StripeInvalidRequestError ||
    error instanceof Stripe.errors.StripeCardError ||
    error instanceof Stripe.errors.StripePermissionError
  );
}

export function createStripeGateway(config: StripeConfig): StripeGateway {
  const url = config.apiUrl ? new URL(config.apiUrl) : undefined;
  const stripe = new Stripe(config.secretKey, {
    // The library retries network errors and 5xx itself, with the same idempotency key.
    maxNetworkRetries: 2,
    timeout: 10_000,
    ...(url && {
      host: url.hostname,
      port: url.port || (url.protocol === 'http:' ? 80 : 443),
      protocol: url.protocol === 'http:' ? 'http' : 'https',
    }),
  });
  return {
    async createPaymentIntent(input) {
      const intent = await stripe.paymentIntents
        .create(
          {
            amount: input.amountCents,
            currency: input.currency.toLowerCase(),
            description: input.description,
            metadata: { [BOOKING_KEY]: input.bookingId },
            automatic_payment_methods: { enabled: true },
          },
          { idempotencyKey: input.bookingId },
        )
        .catch((error: unknown) => {
          if (refusedForGood(error)) {
            throw new StripeRefused(error instanceof Error ? error.message : String(error));
          }
          throw error;
        });
      if (!intent.client_secret)
        throw new Error('Stripe answered a PaymentIntent without a client secret');
      return { id: intent.id, clientSecret: intent.client_secret };
    },

    async createRefund(input) {
      try {
        const refund = await stripe.refunds.create(
          {
            payment_intent: input.paymentIntentId,
            amount: input.amountCents,
            metadata: { [BOOKING_KEY]: input.bookingId, evently_refund_id: input.refundId },
          },
          { idempotencyKey: input.refundId },
        );
        return { id: refund.id, status: refund.status ?? 'pending' };
      } catch (error) {
        if (refusedForGood(error)) {
          throw new StripeRefused(error instanceof Error ? error.message : String(error));
        }
        throw error;
      }
    },

    async retrieveRefund(id) {
      const refund = await stripe.refunds.retrieve(id);
      return { id: refund.id, status: refund.status ?? 'pending' };
    },

    verifyEvent(rawBody, signature) {
      const event = stripe.webhooks.constructEvent(rawBody, signature, config.webhookSecret);
      return { id: event.id, type: event.type, payment: paymentOf(event) };
    },
  };
}
