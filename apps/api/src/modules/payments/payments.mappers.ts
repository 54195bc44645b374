import type { Payment, Refund } from '@evently/contracts';
import type { PaymentRow, RefundRow } from './payments.repository.js';

export function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    bookingId: row.booking_id,
    provider: row.provider,
    method: row.method,
    amountCents: Number(row.amount_cents),
    currency: row.currency,
    reference: row.reference,
    at: row.at.toISOString(),
  };
}

export function toRefund(row: RefundRow): Refund {
  return {
    id: row.id,
    bookingId: row.booking_id,
    amountCents: Number(row.amount_cents),
    currency: row.currency,
    status: row.status,
    reason: row.reason,
    reference: row.reference,
    requestedAt: row.requested_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}
