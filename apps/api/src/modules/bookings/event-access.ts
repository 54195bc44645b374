import type { Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import {
  asMember,
  authorize,
  type EventAction,
  type HoldingFacts,
} from '../../access/access-policy.js';
import { AppError } from '../../kernel/app-error.js';
import type { MemberRoles, RolesByOrganization } from '../../kernel/member-roles.js';
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

/**
 * What a booking the allocator refused as NOT_FOUND answers. The allocator decides without
 * organization roles (they would cost a lookup per booking), so it hides every draft: to the
 * members who may see the draft, it is only not on sale.
 */
export async function asMembersSeeIt(
  error: unknown,
  db: Kysely<Database>,
  roles: MemberRoles,
  principal: Principal,
  eventId: string,
): Promise<unknown> {
  if (!(error instanceof AppError) || error.appCode !== 'NOT_FOUND') return error;
  await termsFor(db, await roles.of(principal), principal, 'event.book', eventId);
  return new AppError('EVENT_NOT_BOOKABLE', 'This event is not on sale');
}
