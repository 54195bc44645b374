import type { MemberRole } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { CachePort } from '@evently/platform';
import type { Kysely } from 'kysely';
import { readThrough } from '../../cache/read-through.js';
import type { RequestLog } from '../../kernel/log.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import type { Principal } from '../../kernel/principal.js';
import { organizationsRepository as repo } from './organizations.repository.js';

/** A user's role in each organization they belong to. */
export type Roles = Readonly<Record<string, MemberRole>>;

/**
 * Who belongs where, read per request through the cache port as the session state is, and
 * forgotten on every change, so a removed or downgraded member loses access on their very next
 * request on every instance.
 */
export interface Memberships {
  /** From the cache; from the database on a miss (or when the cache is down). */
  rolesOf(userId: string): Promise<Roles>;
  /** How `principal` stands to an organization: the facts the access policy decides on. */
  standingIn(
    principal: Principal,
    organizationId: string,
  ): Promise<{ organizationId: string; memberRole: MemberRole | undefined }>;
  /**
   * Before a change: throws when the cache is unreachable, so the change is refused rather than
   * left behind a stale entry.
   */
  forgetBefore(userIds: string[]): Promise<void>;
  /** After the change committed (a reader may have refilled meanwhile); logs a failure. */
  forget(userIds: string[]): Promise<void>;
}

/** Short-lived so a missed invalidation (Redis unreachable at that moment) heals itself soon. */
const TTL_MS = 60_000;
const key = (userId: string) => `org:roles:${userId}`;

export function createMemberships(deps: {
  db: Kysely<Database>;
  cache: CachePort;
  log: RequestLog;
}): Memberships {
  const load = (userId: string) => repo.rolesOf(deps.db, userId);
  async function rolesOf(userId: string): Promise<Roles> {
    const roles = await readThrough(deps, key(userId), () => load(userId), {
      ttlMs: TTL_MS,
      unavailable: 'membership cache unavailable; reading the database',
    });
    return roles ?? {};
  }

  return {
    rolesOf,

    async standingIn(principal, organizationId) {
      // A key is no member: it stands in its own organization by the access policy's key column.
      if (principal.kind !== 'user') return { organizationId, memberRole: undefined };
      const roles = await rolesOf(principal.userId);
      return { organizationId, memberRole: roles[organizationId] };
    },

    async forgetBefore(userIds) {
      if (userIds.length > 0) await deps.cache.del(...userIds.map(key));
    },

    async forget(userIds) {
      if (userIds.length === 0) return;
      await deps.cache.del(...userIds.map(key)).catch((error: unknown) => {
        deps.log.error(
          { err: error, users: userIds.length },
          'membership cache invalidation failed; entries expire within a minute',
        );
      });
    },
  };
}

/**
 * The kernel's `MemberRoles` on these memberships. Kept per principal (one per request; a
 * stream's re-check authenticates afresh), so a request asks the cache once however many
 * decisions it makes.
 */
export function memberRolesOf(memberships: Memberships): MemberRoles {
  const asked = new WeakMap<Principal, Promise<Roles>>();
  const none: Roles = Object.freeze({});
  return {
    of(principal) {
      if (principal?.kind !== 'user') return Promise.resolve(none);
      let roles = asked.get(principal);
      if (!roles) {
        roles = memberships.rolesOf(principal.userId);
        asked.set(principal, roles);
        // A failed read is not kept: the next decision asks again.
        roles.catch(() => asked.delete(principal));
      }
      return roles;
    },
  };
}
