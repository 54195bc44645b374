import { randomUUID } from 'node:crypto';
import type { DomainEventPayload } from '@evently/contracts';
import { appendEvents, type Database } from '@evently/db';
import type { Transaction } from 'kysely';
import { type AuditEntryInput, appendAudits } from '../../audit/audit.repository.js';
import type { CancellationRefunds, RefundOwed } from '../bookings/cancellation-refunds.js';
import { toRefund } from './payments.mappers.js';
import {
  type PaymentRow,
  type RefundRow,
  paymentsRepository as repo,
} from './payments.repository.js';

type Cause = DomainEventPayload<'refund.requested'>['cause'];

/** Money owed back: what a booking paid and has not had back, less what is kept. */
export interface RefundLedger extends CancellationRefunds {
  /** A payment that bought nothing (a late one whose seats were gone, a second one) goes back whole. */
  refundWhole(
    trx: Transaction<Database>,
    payment: PaymentRow,
    why: { cause: Cause; reason: string },
    at: Date,
  ): Promise<RefundRow[]>;
}

/**
 * Records refunds, in the caller's transaction: one per payment it gives money back from (Stripe
 * refunds name a PaymentIntent), oldest payment first, each taken from its payment's
 * `refunded_cents` under the payment's row lock and CHECK — the same money is never owed twice.
 * With Stripe configured, a Stripe payment's refund is issued by the worker (`refund.requested`);
 * every other one waits for a manager's `refunds.markDone`.
 */
export function createRefundLedger(deps: { stripeEnabled: boolean }): RefundLedger {
  async function refund(
    trx: Transaction<Database>,
    payments: PaymentRow[],
    owed: { bookingId: string; cause: Cause; reason: string; feeCents: number },
    at: Date,
  ): Promise<RefundRow[]> {
    const refundable = payments.reduce(
      (sum, p) => sum + Number(p.amount_cents) - Number(p.refunded_cents),
      0,
    );
    let left = Math.max(0, refundable - owed.feeCents);
    const rows: RefundRow[] = [];
    const events: Parameters<typeof appendEvents>[1] = [];
    const audits: AuditEntryInput[] = [];
    for (const payment of payments) {
      const part = Math.min(left, Number(payment.amount_cents) - Number(payment.refunded_cents));
      if (part <= 0) continue;
      left -= part;
      await repo.takeRefunded(trx, payment.id, part);
      const row = await repo.insertRefund(trx, {
        id: randomUUID(),
        booking_id: payment.booking_id,
        payment_id: payment.id,
        event_id: payment.event_id,
        provider: payment.provider === 'stripe' && deps.stripeEnabled ? 'stripe' : 'manual',
        amount_cents: part,
        currency: payment.currency,
        status: 'pending',
        reason: owed.reason,
        requested_at: at,
      });
      rows.push(row);
      events.push({
        topic: 'refund.requested',
        aggregateId: row.id,
        payload: {
          refundId: row.id,
          bookingId: row.booking_id,
          eventId: row.event_id,
          userId: payment.user_id,
          paymentId: payment.id,
          provider: row.provider,
          amountCents: part,
          currency: row.currency,
          reason: row.reason,
          cause: owed.cause,
          // The fee is told once, with the first part.
          feeCents: rows.length === 1 ? Math.min(owed.feeCents, refundable) : 0,
        },
      });
      audits.push({
        entity: 'refund',
        entityId: row.id,
        action: 'request',
        actorId: null,
        after: toRefund(row),
      });
    }
    await appendEvents(trx, events);
    await appendAudits(trx, audits);
    return rows;
  }

  return {
    async record(trx, owed: readonly RefundOwed[], at) {
      for (const one of owed) {
        const payments = await repo.lockPaymentsOf(trx, one.bookingId);
        if (payments.length > 0) await refund(trx, payments, one, at);
      }
    },

    refundWhole: (trx, payment, why, at) =>
      refund(trx, [payment], { bookingId: payment.booking_id, ...why, feeCents: 0 }, at),
  };
}
