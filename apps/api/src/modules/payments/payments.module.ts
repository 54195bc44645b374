import type { Database } from '@evently/db';
import { finishedRowsRule } from '@evently/platform';
import { type Kysely, sql } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import type { RequestLog } from '../../kernel/log.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import type { Module } from '../../kernel/module.js';
import type { BookingsWorkerService } from '../bookings/bookings.service.js';
import { createPaymentsService, type PaymentsService } from './payments.service.js';
import { createRefundIssuer } from './refund-issuer.js';
import type { RefundLedger } from './refund-ledger.js';
import { createStripeGateway, type StripeConfig } from './stripe-gateway.js';
import { createStripeWebhook, type StripeWebhook } from './stripe-webhook.js';

/**
 * Handled Stripe event ids, once older than the retention: Stripe redelivers an event for three
 * days at most, so an id older than RETENTION_DAYS never comes back.
 */
const stripeEventsRetention = finishedRowsRule({
  name: 'stripe-events',
  table: 'stripe_events',
  key: ['id'],
  finishedBefore: (cutoff) => sql`received_at < ${cutoff}`,
});

/**
 * Payments and refunds: a paid booking is confirmed by money — marked by a manager, or proven
 * by Stripe's signed webhook (when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set) — and
 * what cancelled paid bookings are owed is recorded by the ledger (built before the bookings
 * module, which records through it) and paid back by Stripe or by hand.
 */
export function createPaymentsModule(deps: {
  db: Kysely<Database>;
  bookings: BookingsWorkerService;
  ledger: RefundLedger;
  roles: MemberRoles;
  stripe?: StripeConfig | undefined;
  log: RequestLog;
  now: Clock;
}): Module<PaymentsService> & { webhook: StripeWebhook | undefined } {
  const stripe = deps.stripe && createStripeGateway(deps.stripe);
  const issuer =
    stripe && createRefundIssuer({ db: deps.db, stripe, log: deps.log, now: deps.now });
  return {
    service: createPaymentsService({ ...deps, stripe }),
    webhook: stripe && createStripeWebhook({ ...deps, stripe }),
    consumers: issuer ? [issuer.consumer] : [],
    schedules: issuer ? [issuer.schedule] : [],
    retention: [stripeEventsRetention],
    close: async () => {},
  };
}
