import type { DomainEventInput, DomainTopic } from '@evently/contracts';
import { appendEvents, type Database } from '@evently/db';
import type { Transaction } from 'kysely';
import { type AuditEntryInput, appendAudits } from '../../audit/audit.repository.js';
import { bookingRef, toBooking } from './bookings.mappers.js';
import { type BookingRow, bookingsRepository as repo } from './bookings.repository.js';
import { inventoryRepository as inventoryRepo } from './inventory.repository.js';
import { quotaSeatsRepository as quotaSeats, releaseOf } from './quota-seats.repository.js';
import { seatAllocationsRepository as seatAllocations } from './seat-allocations.repository.js';
import { endOffer, type SeatRules } from './waitlist.js';
import { promoteWaitlist } from './waitlist-offers.js';

/**
 * Ends a live booking (cancel or expiry) and frees its seats (reserved ones too), in the
 * caller's transaction; no Redis lock is needed to free capacity. A lapsed or cancelled offer
 * ends its waitlist entry; then the freed seats are offered to the queue. Returns the ended booking (undefined when it was
 * no longer live) and the offers made.
 */
export async function releaseBooking(
  trx: Transaction<Database>,
  booking: BookingRow,
  to: 'cancelled' | 'expired',
  context: { reason: string | null; actorId: string | null; actorApiKeyId?: string | null },
  rules: SeatRules,
): Promise<{ booking: BookingRow | undefined; offers: BookingRow[] }> {
  const now = rules.now();
  const ended = await repo.updateBookingStatus(
    trx,
    booking.id,
    booking.status,
    to === 'cancelled'
      ? { status: 'cancelled', cancelled_at: now, cancel_reason: context.reason }
      : { status: 'expired' },
    now,
  );
  if (!ended) return { booking: undefined, offers: [] };
  await inventoryRepo.adjustSeats(
    trx,
    booking.event_id,
    booking.status === 'pending'
      ? { confirmed: 0, held: -booking.quantity }
      : { confirmed: -booking.quantity, held: 0 },
  );
  if (booking.status === 'pending' || booking.status === 'confirmed') {
    await quotaSeats.move(trx, [booking.id], releaseOf(booking.status));
  }
  await quotaSeats.releaseVouchers(trx, [booking.id], now);
  // After the inventory row moved: the release is recorded at its new version.
  await seatAllocations.release(trx, [booking.id], now);
  const events: DomainEventInput<DomainTopic>[] = [
    to === 'cancelled'
      ? {
          topic: 'booking.cancelled',
          aggregateId: booking.id,
          payload: {
            ...bookingRef(ended),
            previousStatus: booking.status,
            reason: context.reason,
            cancelledBy: context.actorId,
          },
        }
      : { topic: 'booking.expired', aggregateId: booking.id, payload: bookingRef(ended) },
  ];
  const audits: AuditEntryInput[] = [
    {
      entity: 'booking',
      entityId: booking.id,
      action: to === 'cancelled' ? 'cancel' : 'expire',
      actorId: context.actorId,
      actorApiKeyId: context.actorApiKeyId ?? null,
      before: toBooking(booking),
      after: toBooking(ended),
    },
  ];
  const offer = await endOffer(trx, booking, to, context.actorId, now);
  await appendEvents(trx, [...events, ...offer.events]);
  await appendAudits(trx, [...audits, ...offer.audits]);
  const offers = await promoteWaitlist(trx, booking.event_id, rules);
  return { booking: ended, offers };
}
