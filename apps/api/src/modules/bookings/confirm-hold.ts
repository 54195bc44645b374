import { appendEvents, type Database } from '@evently/db';
import type { Transaction } from 'kysely';
import { appendAudit } from '../../audit/audit.repository.js';
import { AppError } from '../../kernel/app-error.js';
import type { Actor } from '../../kernel/principal.js';
import { bookingRef, toBooking } from './bookings.mappers.js';
import { type BookingRow, bookingsRepository as repo } from './bookings.repository.js';
import { inventoryRepository as inventoryRepo } from './inventory.repository.js';
import { CONFIRM, quotaSeatsRepository as quotaSeats } from './quota-seats.repository.js';
import { seatAllocationsRepository as seatAllocations } from './seat-allocations.repository.js';
import { convertOffer } from './waitlist.js';

/**
 * How a hold became a sale, as the audit trail names it: its buyer confirmed a free one, a
 * payment proved it (one arriving after the hold expired sells it again), or a manager confirmed
 * a paid one without a payment (the override).
 */
export type ConfirmAction = 'confirm' | 'confirm-paid' | 'confirm-late-payment' | 'confirm-unpaid';

/**
 * The one transition of a pending booking to confirmed, in the caller's transaction (the booking
 * locked by it): its held seats become sold in the event and every quota of its lines, an offer's
 * waitlist entry is converted, and `booking.confirmed` and the audit entry are written with it.
 */
export async function confirmHold(
  trx: Transaction<Database>,
  booking: BookingRow,
  by: Actor & { action: ConfirmAction },
  now: Date,
): Promise<BookingRow> {
  const confirmed = await repo.updateBookingStatus(
    trx,
    booking.id,
    'pending',
    { status: 'confirmed', confirmed_at: now },
    now,
  );
  if (!confirmed) throw new AppError('INVALID_STATE', 'The booking changed meanwhile');
  await inventoryRepo.adjustSeats(trx, booking.event_id, {
    confirmed: booking.quantity,
    held: -booking.quantity,
  });
  await quotaSeats.move(trx, [booking.id], CONFIRM);
  // Its reserved seats turn from held to sold (seating.live tells it).
  await seatAllocations.confirm(trx, [booking.id]);
  await appendEvents(trx, [
    {
      topic: 'booking.confirmed',
      aggregateId: booking.id,
      payload: {
        ...bookingRef(confirmed),
        // Sold again from expired (held for an instant in between, never told as held).
        ...(by.action === 'confirm-late-payment' && { previousStatus: 'expired' as const }),
      },
    },
    ...(await convertOffer(trx, booking, now)),
  ]);
  await appendAudit(trx, {
    entity: 'booking',
    entityId: booking.id,
    action: by.action,
    actorId: by.actorId,
    actorApiKeyId: by.actorApiKeyId,
    before: toBooking(booking),
    after: toBooking(confirmed),
  });
  return confirmed;
}
