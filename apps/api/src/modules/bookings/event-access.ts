import type { Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import { authorize, type EventAction } from '../../access/access-policy.js';
import { AppError } from '../../kernel/app-error.js';
import type { Principal } from '../../kernel/principal.js';
import { type BookingTerms, readBookingTerms } from '../events/booking-terms.js';

/** The event's booking terms, once the access policy lets `principal` do `action` to the event. */
export async function termsFor(
  db: Kysely<Database> | Transaction<Database>,
  principal: Principal | null,
  action: EventAction,
  eventId: string,
): Promise<BookingTerms> {
  const terms = await readBookingTerms(db, eventId);
  if (!terms) throw new AppError('NOT_FOUND', 'Event not found');
  authorize(principal, action, terms);
  return terms;
}

/** The policy's view of a booking or waitlist entry: whose it is, and whose event. */
export function holding(row: { user_id: string }, terms: BookingTerms | undefined) {
  // An event is never deleted while it has bookings or entries; without terms, no one organizes it.
  return { holderId: row.user_id, organizerId: terms?.organizerId ?? '' };
}
