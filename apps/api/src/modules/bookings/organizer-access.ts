import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import { AppError } from '../../errors/app-error.js';
import type { Principal } from '../../trpc/context.js';
import { readBookingTerms } from '../events/booking-terms.js';

/**
 * Organizer-only reads (an event's bookings, queue, audit): its organizer or an admin. A draft
 * of someone else answers NOT_FOUND (its existence is not disclosed), a visible event FORBIDDEN.
 */
export async function requireOrganizerOf(
  db: Kysely<Database>,
  principal: Principal,
  eventId: string,
): Promise<void> {
  const terms = await readBookingTerms(db, eventId);
  if (
    !terms ||
    (terms.status === 'draft' &&
      principal.role !== 'admin' &&
      terms.organizerId !== principal.userId)
  ) {
    throw new AppError('NOT_FOUND', 'Event not found');
  }
  if (principal.role !== 'admin' && terms.organizerId !== principal.userId) {
    throw new AppError('FORBIDDEN', 'Only the event organizer may see this');
  }
}
