import type { Database } from '@evently/db';
import { createMemoryCache } from '@evently/platform';
import type { Kysely } from 'kysely';
import pino from 'pino';
import type { MemberRoles } from '../src/kernel/member-roles.js';
import { createMemberships, memberRolesOf } from '../src/modules/organizations/memberships.js';

/**
 * The organization roles of `db`'s members, for a bookings service a test builds by hand (the
 * real lookup, on an in-process cache instead of the platform's).
 */
export function memberRolesFor(db: Kysely<Database>): MemberRoles {
  const cache = createMemoryCache({ max: 1_000 });
  return memberRolesOf(createMemberships({ db, cache, log: pino({ level: 'silent' }) }));
}
