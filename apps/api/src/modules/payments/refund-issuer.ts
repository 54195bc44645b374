import { appendEvent, type Database } from '@evently/db';
import { type Consumer, defineConsumer, type Schedule } from '@evently/platform';
import type { Kysely } from 'kysely';
import { appendAudit } from '../../audit/audit.repository.js';
import type { RequestLog } from '../../kernel/log.js';
import { toRefund } from './payments.mappers.js';
import { type RefundRow, paymentsRepository as repo } from './payments.repository.js';
import { type StripeGateway, StripeRefused } from './stripe-gateway.js';

export const PAYMENT_JOBS_QUEUE = 'jobs.payments';
/** How often the worker issues the Stripe refunds still pending (the safety net). */
export const ISSUE_REFUNDS_EVERY_MS = 60_000;
/** A refund younger than this is left to its consumer. */
const SETTLE_MS = 30_000;
const PASS_LIMIT = 200;

type Ending = Pick<RefundRow, 'status' | 'reference' | 'last_error'>;

/**
 * Issues Stripe refunds through the library, never inside a database transaction: the
 * `payments` consumer right after `refund.requested` commits, and a pass every minute over those
 * still pending (a worker killed mid-call, Stripe down, a refund Stripe left pending). Every call
 * carries the refund's id as its idempotency key, so issuing one twice is one refund at Stripe.
 */
export function createRefundIssuer(deps: {
  db: Kysely<Database>;
  stripe: StripeGateway;
  log: RequestLog;
  now: () => Date;
}) {
  const { db, stripe, log, now } = deps;

  async function end(refund: RefundRow, ending: Ending): Promise<void> {
    await db.transaction().execute(async (trx) => {
      const ended = await repo.completeRefund(trx, refund.id, ['pending'], {
        ...ending,
        completed_at: now(),
      });
      if (!ended) return;
      if (ended.status === 'succeeded') {
        const payment = await repo.findPayment(trx, ended.payment_id);
        if (!payment) throw new Error(`refund ${ended.id} has no payment`);
        await appendEvent(trx, {
          topic: 'refund.succeeded',
          aggregateId: ended.id,
          payload: {
            refundId: ended.id,
            bookingId: ended.booking_id,
            eventId: ended.event_id,
            userId: payment.user_id,
            amountCents: Number(ended.amount_cents),
            currency: ended.currency,
            reference: ended.reference ?? '',
          },
        });
      }
      await appendAudit(trx, {
        entity: 'refund',
        entityId: ended.id,
        action: ended.status === 'succeeded' ? 'succeed' : 'fail',
        actorId: null,
        before: toRefund(refund),
        after: toRefund(ended),
      });
    });
  }

  /** One refund: asked of Stripe (again, if it was left pending), and recorded as it answers. */
  async function issue(refundId: string): Promise<void> {
    const refund = await repo.findRefund(db, refundId);
    if (refund?.status !== 'pending' || refund.provider !== 'stripe') return;
    const payment = await repo.findPayment(db, refund.payment_id);
    if (!payment) return;
    let answer: { id: string; status: string };
    try {
      answer = refund.reference
        ? await stripe.retrieveRefund(refund.reference)
        : await stripe.createRefund({
            refundId: refund.id,
            bookingId: refund.booking_id,
            paymentIntentId: payment.reference,
            amountCents: Number(refund.amount_cents),
          });
    } catch (error) {
      if (!(error instanceof StripeRefused)) throw error;
      log.warn({ refundId, reason: error.message }, 'Stripe refused a refund; a manager pays it');
      await end(refund, { status: 'failed', reference: null, last_error: error.message });
      return;
    }
    if (answer.status === 'succeeded') {
      await end(refund, { status: 'succeeded', reference: answer.id, last_error: null });
    } else if (answer.status === 'failed' || answer.status === 'canceled') {
      await end(refund, {
        status: 'failed',
        reference: answer.id,
        last_error: `Stripe: ${answer.status}`,
      });
    } else {
      // Pending at Stripe (some methods take days): asked again by the pass.
      await repo.noteStripeRefund(db, refund.id, answer.id);
    }
  }

  const consumer: Consumer = defineConsumer({
    name: 'payments',
    topics: ['refund.requested'],
    // Nothing to write with the event: the call is made once its delivery has committed.
    handle: async (_trx, event) => {
      if (event.payload.provider !== 'stripe') return;
      const { refundId } = event.payload;
      return () =>
        issue(refundId).catch((error: unknown) =>
          log.warn({ err: error, refundId }, 'Stripe refund not issued yet; the worker retries'),
        );
    },
  });

  const schedule: Schedule = {
    queue: PAYMENT_JOBS_QUEUE,
    name: 'issue-pending-refunds',
    everyMs: ISSUE_REFUNDS_EVERY_MS,
    handler: async () => {
      const due = await repo.pendingStripeRefunds(
        db,
        new Date(now().getTime() - SETTLE_MS),
        PASS_LIMIT,
      );
      for (const { id } of due) {
        await issue(id).catch((error: unknown) =>
          log.warn(
            { err: error, refundId: id },
            'Stripe refund not issued yet; the next pass retries',
          ),
        );
      }
      if (due.length > 0) log.info({ refunds: due.length }, 'pending Stripe refunds issued');
    },
  };

  return { issue, consumer, schedule };
}
