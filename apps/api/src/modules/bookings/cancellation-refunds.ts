import { type CancellationPolicy, cancellationFee } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Transaction } from 'kysely';
import { AppError } from '../../kernel/app-error.js';
import { readCancellationPolicy } from '../events/booking-terms.js';
import type { BookingRow } from './bookings.repository.js';

/** Why a cancelled booking's money goes back (the buyer's mail says so). */
export type CancellationCause = 'attendee_cancelled' | 'organizer_cancelled' | 'event_cancelled';

/** A cancelled booking and what it is owed: what it paid and has not had back, less the fee. */
export interface RefundOwed {
  bookingId: string;
  cause: CancellationCause;
  reason: string;
  feeCents: number;
}

/**
 * What the bookings module needs of whoever keeps the money (the payments module, wired at the
 * composition root): the refunds of cancelled bookings, recorded in the cancellation's own
 * transaction so a cancellation and its refund are one fact — a worker killed mid-way
 * cancelling an event redoes both or neither.
 */
export interface CancellationRefunds {
  record(trx: Transaction<Database>, owed: readonly RefundOwed[], at: Date): Promise<void>;
}

/**
 * An attendee cancelling their own confirmed paid booking: refused after the policy's deadline
 * (`CANCELLATION_CLOSED`), and otherwise charged the policy's fee. A hold (nothing paid) and a
 * free booking are cancelled freely; so is anything a manager cancels.
 */
export function attendeeFee(
  policy: CancellationPolicy | null,
  booking: { status: string; totalCents: number },
  now: Date,
): number {
  if (booking.status !== 'confirmed' || booking.totalCents === 0) return 0;
  const until = policy?.attendeeMayCancelUntil;
  if (until && now.getTime() > new Date(until).getTime()) {
    throw new AppError('CANCELLATION_CLOSED', 'This booking can no longer be cancelled', {
      attendeeMayCancelUntil: until,
    });
  }
  return cancellationFee(policy, booking.totalCents);
}

/**
 * What a booking cancelled now is owed (undefined: nothing was paid for it). The organization's
 * people cancel freely and refund in full; an attendee within the event's policy, less its fee
 * (after its deadline: `CANCELLATION_CLOSED`).
 */
export async function refundOnCancel(
  trx: Transaction<Database>,
  booking: BookingRow,
  by: { organizer: boolean; reason: string | undefined; now: Date },
): Promise<RefundOwed | undefined> {
  const totalCents = Number(booking.total_cents);
  if (booking.status !== 'confirmed' || totalCents === 0) return undefined;
  if (by.organizer) {
    const reason = by.reason ?? 'cancelled by the organizer';
    return { bookingId: booking.id, cause: 'organizer_cancelled', reason, feeCents: 0 };
  }
  const policy = await readCancellationPolicy(trx, booking.event_id);
  return {
    bookingId: booking.id,
    cause: 'attendee_cancelled',
    reason: by.reason ?? 'cancelled by the attendee',
    feeCents: attendeeFee(policy, { status: booking.status, totalCents }, by.now),
  };
}
