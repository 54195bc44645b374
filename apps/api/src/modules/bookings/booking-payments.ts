import type { BookingStatus } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import { AppError } from '../../kernel/app-error.js';
import type { Actor } from '../../kernel/principal.js';
import { readBookingTerms } from '../events/booking-terms.js';
import { type BookingRow, bookingsRepository as repo } from './bookings.repository.js';
import { confirmPaidBooking } from './late-confirmation.js';

/** A booking as the payments module sees it: what it costs, whose it is, where it stands. */
export interface PayableBooking {
  id: string;
  eventId: string;
  userId: string;
  /** The organization whose event it is (its managers mark payments). */
  organizationId: string;
  eventTitle: string;
  status: BookingStatus;
  quantity: number;
  totalCents: number;
  currency: string;
  /** When a pending hold ends (a payment after it may still confirm: late-confirmation.ts). */
  expiresAt: Date | null;
}

async function payable(
  db: Kysely<Database> | Transaction<Database>,
  row: BookingRow | undefined,
): Promise<PayableBooking | undefined> {
  const terms = row && (await readBookingTerms(db, row.event_id));
  if (!row || !terms) return undefined;
  return {
    id: row.id,
    eventId: row.event_id,
    userId: row.user_id,
    organizationId: terms.organizationId,
    eventTitle: terms.title,
    status: row.status,
    quantity: row.quantity,
    totalCents: Number(row.total_cents),
    currency: row.currency,
    expiresAt: row.expires_at,
  };
}

/**
 * What the payments module asks of bookings: the booking it is paying for (locked in its
 * transaction when it is about to change it), and its confirmation once money is proven — the
 * same transition, audit and outbox as any confirmation.
 */
export function bookingPayments(deps: {
  db: Kysely<Database>;
  holdMinutes: number;
  now: () => Date;
}) {
  return {
    findForPayment: async (bookingId: string) =>
      payable(deps.db, await repo.findBooking(deps.db, bookingId)),
    lockForPayment: async (trx: Transaction<Database>, bookingId: string) =>
      payable(trx, await repo.lockBooking(trx, bookingId)),

    async confirmPaid(
      trx: Transaction<Database>,
      bookingId: string,
      actor: Actor,
    ): Promise<AppError | undefined> {
      const row = await repo.lockBooking(trx, bookingId);
      if (!row) return new AppError('NOT_FOUND', 'Booking not found');
      const outcome = await confirmPaidBooking(trx, row, {
        actor,
        holdMinutes: deps.holdMinutes,
        now: deps.now(),
      });
      return outcome instanceof AppError ? outcome : undefined;
    },
  };
}
