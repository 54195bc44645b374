import type { Role } from '@evently/contracts';

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
 * Who is calling, as modules see it (they import this, never the tRPC layer). One kind today;
 * API keys (`{ kind: 'apiKey', organizationId, scopes }`) join the union, and the access policy
 * says what each kind may do.
 */
export type Principal = UserPrincipal;
