import { randomUUID } from 'node:crypto';
import type { Payment } from '@evently/contracts';
import { appendEvent, type Database } from '@evently/db';
import type { Transaction } from 'kysely';
import { appendAudit } from '../../audit/audit.repository.js';
import type { AppError } from '../../kernel/app-error.js';
import type { Actor } from '../../kernel/principal.js';
import type { PayableBooking } from '../bookings/booking-payments.js';
import type { BookingsWorkerService } from '../bookings/bookings.service.js';
import { toPayment } from './payments.mappers.js';
import {
  type PaymentRow,
  type RefundRow,
  paymentsRepository as repo,
} from './payments.repository.js';
import type { RefundLedger } from './refund-ledger.js';

/** Money in for a booking: who took it and how. */
export interface Money {
  provider: Payment['provider'];
  method: Payment['method'];
  amountCents: number;
  currency: string;
  reference: string;
  /** The manager (or API key) who marked it; nobody for Stripe. */
  recordedBy: Actor;
}

export interface Receipt {
  payment: PaymentRow;
  /** Why the booking was not confirmed by it (its money then went back whole). */
  refused?: AppError | undefined;
  refunds: RefundRow[];
}

/** What a booking has paid and not had back. */
export async function netPaid(trx: Transaction<Database>, bookingId: string): Promise<number> {
  const payments = await repo.paymentsOf(trx, bookingId);
  return payments.reduce((sum, p) => sum + Number(p.amount_cents) - Number(p.refunded_cents), 0);
}

/**
 * Records money received for a booking (locked by the caller, amount and currency checked) and
 * what it buys, in the caller's transaction: the booking is confirmed — an expired one if its
 * seats can still be allocated — and otherwise the money is owed back whole, as it is when the
 * booking was already paid. Money is never kept for a seat that was not sold.
 */
export async function receivePayment(
  trx: Transaction<Database>,
  deps: { bookings: BookingsWorkerService; ledger: RefundLedger },
  booking: PayableBooking,
  money: Money,
  at: Date,
): Promise<Receipt> {
  const alreadyPaid = (await netPaid(trx, booking.id)) >= booking.totalCents;
  const payment = await repo.insertPayment(trx, {
    id: randomUUID(),
    booking_id: booking.id,
    event_id: booking.eventId,
    user_id: booking.userId,
    provider: money.provider,
    method: money.method,
    amount_cents: money.amountCents,
    currency: money.currency,
    reference: money.reference,
    recorded_by: money.recordedBy.actorId,
    at,
  });
  await appendEvent(trx, {
    topic: 'payment.received',
    aggregateId: payment.id,
    payload: {
      paymentId: payment.id,
      bookingId: booking.id,
      eventId: booking.eventId,
      userId: booking.userId,
      provider: money.provider,
      method: money.method,
      amountCents: money.amountCents,
      currency: money.currency,
      reference: money.reference,
    },
  });
  await appendAudit(trx, {
    entity: 'payment',
    entityId: payment.id,
    action: 'receive',
    ...money.recordedBy,
    after: toPayment(payment),
  });
  if (alreadyPaid) {
    const refunds = await deps.ledger.refundWhole(
      trx,
      payment,
      { cause: 'duplicate_payment', reason: 'the booking was already paid' },
      at,
    );
    return { payment, refunds };
  }
  const refused = await deps.bookings.confirmPaid(trx, booking.id, money.recordedBy);
  if (!refused) return { payment, refunds: [] };
  const refunds = await deps.ledger.refundWhole(
    trx,
    payment,
    {
      cause: 'late_payment',
      reason:
        booking.status === 'cancelled'
          ? 'the booking was cancelled before the payment arrived'
          : 'the payment arrived after the hold expired and its seats were no longer available',
    },
    at,
  );
  return { payment, refused, refunds };
}
