import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import { AppError } from '../../errors/app-error.js';
import type { Principal } from '../../trpc/context.js';
import { readBookingTerms } from '../events/booking-terms.js';

/**
 * Organizer powers over an event come from the role the session has now, not from having created
 * it: a demoted organizer is an attendee like any other.
 */
export function isOrganizerOf(principal: Principal, organizerId: string): boolean {
  return principal.role === 'organizer' && principal.userId === organizerId;
}

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
  const mine = terms && (principal.role === 'admin' || isOrganizerOf(principal, terms.organizerId));
  if (!terms || (terms.status === 'draft' && !mine)) {
    throw new AppError('NOT_FOUND', 'Event not found');
  }
  if (!mine) {
    throw new AppError('FORBIDDEN', 'Only the event organizer may see this');
  }
}
