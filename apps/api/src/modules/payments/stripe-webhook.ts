import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { AppError } from '../../kernel/app-error.js';
import type { RequestLog } from '../../kernel/log.js';
import type { BookingsWorkerService } from '../bookings/bookings.service.js';
import { receivePayment } from './payment-receipt.js';
import { paymentsRepository as repo } from './payments.repository.js';
import type { RefundLedger } from './refund-ledger.js';
import type { StripeGateway } from './stripe-gateway.js';

/** What a delivery did: Stripe only needs a 2xx; the outcome is for logs and tests. */
export type WebhookOutcome =
  | 'confirmed'
  | 'refunded'
  | 'already-handled'
  | 'payment-known'
  | 'ignored';

export interface StripeWebhook {
  /** `POST /payments/stripe/webhook`: throws an AppError (a 4xx) for what it refuses. */
  handle(rawBody: Buffer, signature: string | undefined): Promise<WebhookOutcome>;
}

const bookingIdSchema = z.uuid();

/**
 * Stripe's webhook. Verified over the raw body with STRIPE_WEBHOOK_SECRET, handled once per
 * Stripe event id: the id is claimed in the transaction that records the payment, so concurrent
 * deliveries of one event to several API processes wait for the first and then find it handled,
 * and a refused one (bad amount, unknown booking) leaves no trace and may be delivered again.
 * A PaymentIntent is one payment however many events report it (payment_intent.succeeded and
 * checkout.session.completed both may).
 */
export function createStripeWebhook(deps: {
  db: Kysely<Database>;
  bookings: BookingsWorkerService;
  ledger: RefundLedger;
  stripe: StripeGateway;
  log: RequestLog;
  now: () => Date;
}): StripeWebhook {
  return {
    async handle(rawBody, signature) {
      let event: ReturnType<StripeGateway['verifyEvent']>;
      try {
        event = deps.stripe.verifyEvent(rawBody, signature ?? '');
      } catch {
        throw new AppError('VALIDATION_FAILED', 'The Stripe signature does not match');
      }
      const payment = event.payment;
      // Not a payment, or not one of ours (the account may sell other things): nothing to do.
      if (!payment?.bookingId) return 'ignored';
      const bookingId = bookingIdSchema.safeParse(payment.bookingId);
      if (!bookingId.success) throw new AppError('NOT_FOUND', 'Booking not found');
      return deps.db.transaction().execute(async (trx) => {
        const at = deps.now();
        if (
          !(await repo.claimStripeEvent(trx, {
            id: event.id,
            type: event.type,
            outcome: 'handling',
            at,
          }))
        )
          return 'already-handled';
        const booking = await deps.bookings.lockForPayment(trx, bookingId.data);
        if (!booking) throw new AppError('NOT_FOUND', 'Booking not found');
        if (payment.amountCents !== booking.totalCents || payment.currency !== booking.currency) {
          deps.log.warn(
            {
              stripeEventId: event.id,
              bookingId: booking.id,
              amountCents: payment.amountCents,
              currency: payment.currency,
            },
            'Stripe payment does not match its booking; left for an operator',
          );
          throw new AppError('PAYMENT_MISMATCH', 'The payment does not equal the booking total');
        }
        let outcome: WebhookOutcome;
        if (await repo.findStripePayment(trx, payment.paymentIntentId)) outcome = 'payment-known';
        else {
          const receipt = await receivePayment(
            trx,
            deps,
            booking,
            {
              provider: 'stripe',
              method: 'card',
              amountCents: payment.amountCents,
              currency: payment.currency,
              reference: payment.paymentIntentId,
              recordedBy: { actorId: null, actorApiKeyId: null },
            },
            at,
          );
          outcome = receipt.refunds.length > 0 ? 'refunded' : 'confirmed';
        }
        await repo.setStripeOutcome(trx, event.id, outcome);
        return outcome;
      });
    },
  };
}
