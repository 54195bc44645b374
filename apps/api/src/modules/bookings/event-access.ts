import type { Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import {
  asMember,
  authorize,
  type EventAction,
  type HoldingFacts,
} from '../../access/access-policy.js';
import { AppError } from '../../kernel/app-error.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import type { Principal } from '../../kernel/principal.js';
import { type BookingTerms, readBookingTerms } from '../events/booking-terms.js';

/** The event's booking terms, once the access policy lets `principal` do `action` to the event. */
export async function termsFor(
  db: Kysely<Database> | Transaction<Database>,
  roles: MemberRoles,
  principal: Principal | null,
  action: EventAction,
  eventId: string,
): Promise<BookingTerms> {
  const terms = await readBookingTerms(db, eventId);
  if (!terms) throw new AppError('NOT_FOUND', 'Event not found');
  authorize(principal, action, asMember(terms, await roles.of(principal)));
  return terms;
}

/**
 * The policy's view of a booking or waitlist entry: whose it is, whose event, and the caller's
 * role in the event's organization.
 */
export async function holding(
  roles: MemberRoles,
  principal: Principal | null,
  row: { user_id: string },
  terms: BookingTerms | undefined,
): Promise<HoldingFacts> {
  // An event is never deleted while it has bookings or entries; without terms, no one organizes it.
  const facts = { holderId: row.user_id, organizationId: terms?.organizationId ?? '' };
  // The holder needs no lookup: their standing allows whatever a role would add to it.
  if (principal?.userId === row.user_id) return facts;
  return asMember(facts, await roles.of(principal));
}
