import type { ApiKeyScope, Role } from '@evently/contracts';

/**
 * A signed-in person. `role` is the session state's current role, not the token's: a demotion
 * applies on the very next request.
 */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  role: Role;
  sessionId: string;
}

/**
 * An API key (`Bearer evk_…`): acts for its organization within its scopes, as its state is now
 * (a revocation applies on the very next request, on every instance).
 */
export interface ApiKeyPrincipal {
  kind: 'apiKey';
  apiKeyId: string;
  organizationId: string;
  scopes: readonly ApiKeyScope[];
  /** The person who made the key: answerable for what it creates (an event's `organizerId`). */
  madeBy: string;
}

/**
 * Who is calling, as modules see it (they import this, never the tRPC layer). The access policy
 * says what each kind may do; procedures only a person may call (signing in, booking a seat for
 * oneself, making keys) take a `UserPrincipal`.
 */
export type Principal = UserPrincipal | ApiKeyPrincipal;

/** The person calling, if a person is (an API key is nobody's user id). */
export function userIdOf(principal: Principal | null): string | undefined {
  return principal?.kind === 'user' ? principal.userId : undefined;
}

/** A principal's platform role; keys have none (they stand only in their organization). */
export function isAdmin(principal: Principal | null): boolean {
  return principal?.kind === 'user' && principal.role === 'admin';
}

/** The person a new record is credited to: the caller, or the maker of the caller's key. */
export function responsiblePerson(principal: Principal): string {
  return principal.kind === 'user' ? principal.userId : principal.madeBy;
}

/** Who made a change, as the audit trail and `created_by` columns record it. */
export interface Actor {
  actorId: string | null;
  actorApiKeyId: string | null;
}

export function actorOf(principal: Principal): Actor {
  return principal.kind === 'user'
    ? { actorId: principal.userId, actorApiKeyId: null }
    : { actorId: null, actorApiKeyId: principal.apiKeyId };
}

/**
 * Whose stream revocations a principal's open streams listen to: a person's session, or the
 * key (revoking it publishes `apiKey:<id>`).
 */
export function revocationIdOf(principal: Principal): string {
  return principal.kind === 'user' ? principal.sessionId : `apiKey:${principal.apiKeyId}`;
}
