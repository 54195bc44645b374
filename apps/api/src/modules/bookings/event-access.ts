import type { Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import {
  asMember,
  authorize,
  type EventAction,
  type HoldingFacts,
} from '../../access/access-policy.js';
import { AppError } from '../../kernel/app-error.js';
import type { RolesByOrganization } from '../../kernel/member-roles.js';
import type { Principal } from '../../kernel/principal.js';
import { type BookingTerms, readBookingTerms } from '../events/booking-terms.js';

// The caller's roles are read before any transaction that decides by them (`roles.of`): asked
// inside one, a cache miss would wait for a second pooled connection while holding the first.

/** The event's booking terms, once the access policy lets `principal` do `action` to the event. */
export async function termsFor(
  db: Kysely<Database> | Transaction<Database>,
  roles: RolesByOrganization,
  principal: Principal | null,
  action: EventAction,
  eventId: string,
): Promise<BookingTerms> {
  const terms = await readBookingTerms(db, eventId);
  if (!terms) throw new AppError('NOT_FOUND', 'Event not found');
  authorize(principal, action, asMember(terms, roles));
  return terms;
}

/**
 * The policy's view of a booking or waitlist entry: whose it is, whose event, and the caller's
 * role in the event's organization.
 */
export function holding(
  roles: RolesByOrganization,
  row: { user_id: string },
  terms: BookingTerms | undefined,
): HoldingFacts {
  // An event is never deleted while it has bookings or entries; without terms, no one organizes it.
  return asMember({ holderId: row.user_id, organizationId: terms?.organizationId ?? '' }, roles);
}
