import { appendEvents, type Database } from '@evently/db';
import type { Transaction } from 'kysely';
import { bookingRef } from './bookings.mappers.js';
import { bookingsRepository as repo } from './bookings.repository.js';
import type { CancellationRefunds, RefundOwed } from './cancellation-refunds.js';
import { inventoryRepository as inventoryRepo } from './inventory.repository.js';
import { quotaSeatsRepository as quotaSeats, releaseOf } from './quota-seats.repository.js';
import { seatAllocationsRepository as seatAllocations } from './seat-allocations.repository.js';
import { closeWaitlist } from './waitlist.js';

/**
 * The event was cancelled (its domain event, once): every live booking is cancelled, its seats
 * (reserved ones too), quota seats and voucher uses given back, every paid one refunded in full, and the waitlist
 * closed — in the consumer's transaction, so a worker killed mid-way redoes all of it or none.
 */
export async function cancelEventBookings(
  trx: Transaction<Database>,
  event: { eventId: string; reason: string },
  refunds: CancellationRefunds,
  at: Date,
): Promise<void> {
  const bookings = await repo.liveBookingsOfEvent(trx, event.eventId);
  const events: Parameters<typeof appendEvents>[1] = [];
  let confirmed = 0;
  let held = 0;
  const endedConfirmed: string[] = [];
  const endedPending: string[] = [];
  const owed: RefundOwed[] = [];
  for (const booking of bookings) {
    const ended = await repo.updateBookingStatus(
      trx,
      booking.id,
      booking.status,
      { status: 'cancelled', cancelled_at: at, cancel_reason: 'event cancelled' },
      at,
    );
    if (!ended) continue;
    if (booking.status === 'confirmed') {
      confirmed += booking.quantity;
      endedConfirmed.push(booking.id);
      if (Number(booking.total_cents) > 0) {
        owed.push({
          bookingId: booking.id,
          cause: 'event_cancelled',
          reason: event.reason,
          feeCents: 0,
        });
      }
    } else {
      held += booking.quantity;
      endedPending.push(booking.id);
    }
    events.push({
      topic: 'booking.cancelled',
      aggregateId: booking.id,
      payload: {
        ...bookingRef(ended),
        previousStatus: booking.status,
        reason: `event cancelled: ${event.reason}`,
        cancelledBy: null,
      },
    });
  }
  if (confirmed || held)
    await inventoryRepo.adjustSeats(trx, event.eventId, { confirmed: -confirmed, held: -held });
  await quotaSeats.move(trx, endedPending, releaseOf('pending'));
  await quotaSeats.move(trx, endedConfirmed, releaseOf('confirmed'));
  await quotaSeats.releaseVouchers(trx, [...endedPending, ...endedConfirmed], at);
  await seatAllocations.release(trx, [...endedPending, ...endedConfirmed], at);
  await appendEvents(trx, events);
  await refunds.record(trx, owed, at);
  // The offer bookings went with the others above; their entries close with the queue.
  await closeWaitlist(trx, event.eventId, event.reason, at);
}
