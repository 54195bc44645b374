import type { BookingAvailability } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import { AppError } from '../../kernel/app-error.js';
import { termsFor } from './event-access.js';
import { cappedBySeats } from './free-seats.js';
import { inventoryRepository as inventoryRepo } from './inventory.repository.js';
import { typeOnSale } from './order-pricing.js';
import { seatAllocationsRepository as seatAllocations } from './seat-allocations.repository.js';
import { openSeats, queueStanding } from './waitlist-room.js';

/**
 * `bookings.availability`: the event's seats and, per public type on sale, what a newcomer
 * without a voucher can book now — none while the waitlist keeps them (waitlist-queue.ts), and
 * no more than its free seats for a type sold with reserved seats.
 */
export async function bookingAvailability(
  db: Kysely<Database>,
  eventId: string,
  at: Date,
): Promise<BookingAvailability> {
  // Public: what anyone may see of the event (a draft is no one's here).
  const terms = await termsFor(db, {}, null, 'event.view', eventId);
  const inventory = await inventoryRepo.find(db, eventId);
  if (!inventory) throw new AppError('NOT_FOUND', 'Event not found');
  const standing = await queueStanding(db, eventId, inventory, at);
  const freeSeats = await seatAllocations.freeSeatsByType(db, eventId);
  const published = terms.status === 'published';
  const waitlistLength = [...standing.waiting.values()].reduce((sum, n) => sum + n, 0);
  const available = published ? inventory.capacity - inventory.confirmed - inventory.held : 0;
  // What a newcomer without a voucher can book of each public type on sale now.
  const ticketTypes = standing.selling.ticketTypes
    .filter((t) => !t.hidden && typeOnSale(t, at))
    .map((t) => {
      const open = cappedBySeats(published ? openSeats(standing, t) : 0, freeSeats, t.id);
      return {
        ticketTypeId: t.id,
        available: open,
        soldOut: published && open === 0,
        waiting: standing.waiting.get(t.id) ?? 0,
      };
    });
  return {
    capacity: inventory.capacity,
    confirmed: inventory.confirmed,
    held: inventory.held,
    available,
    waitlistLength,
    ticketTypes,
    // Sold out when no public type has a seat for a newcomer (a line of one type does not
    // sell out the others).
    soldOut:
      published &&
      (ticketTypes.length > 0
        ? ticketTypes.every((t) => t.soldOut)
        : available <= 0 || waitlistLength > 0),
  };
}
