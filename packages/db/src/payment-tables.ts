import type { ColumnType } from 'kysely';
import type { Timestamp } from './column-types.js';

// The tables of payments and refunds (migration 2026-12-06-008-payments): the money a booking
// received and gave back, and the Stripe events already handled.

/** int8 money: read back as a string. */
type Cents = ColumnType<string, number | string, number | string>;

/** Money received for a booking: marked by a manager, or proven by Stripe. */
export interface PaymentsTable {
  id: string;
  booking_id: string;
  event_id: string;
  /** The booking's buyer (who a refund goes back to). */
  user_id: string;
  provider: 'manual' | 'stripe';
  method: 'cash' | 'transfer' | 'card' | 'other';
  amount_cents: Cents;
  /** What its refunds gave back so far (a CHECK keeps it within the amount). */
  refunded_cents: ColumnType<string, number | string | undefined, number | string>;
  currency: string;
  /** The manager's reference, or the PaymentIntent id (unique among Stripe's). */
  reference: string;
  /** The manager who marked it; null for Stripe. */
  recorded_by: string | null;
  at: Timestamp;
}

/** Money given back from one payment: pending until paid out (by Stripe, or a manager). */
export interface RefundsTable {
  id: string;
  booking_id: string;
  payment_id: string;
  event_id: string;
  provider: 'manual' | 'stripe';
  amount_cents: Cents;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed';
  reason: string;
  /** Stripe's refund id, or the manager's reference once paid. */
  reference: string | null;
  requested_at: Timestamp;
  completed_at: Timestamp | null;
  /** Stripe's answer when it refused (status failed). */
  last_error: string | null;
}

/** A Stripe event id handled once (webhooks are delivered at least once). */
export interface StripeEventsTable {
  id: string;
  type: string;
  received_at: Timestamp;
  /** What it did: confirmed, refunded (late), duplicate, ignored. */
  outcome: string;
}
