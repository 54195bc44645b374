import { type Accounts, createAccounts } from './accounts.js';
import { type AuthServiceDeps, createAuthCore } from './auth-core.js';
import { type Authentication, createAuthentication } from './authentication.js';
import { createUserAdministration, type UserAdministration } from './user-administration.js';
import { createUserSessions, type UserSessions } from './user-sessions.js';

export type { AuthConfig, AuthServiceDeps, RequestMeta } from './auth-core.js';

/** The auth module's service: one surface over its use cases, each in a file of its own. */
export type AuthService = Authentication & Accounts & UserSessions & UserAdministration;

export async function createAuthService(deps: AuthServiceDeps): Promise<AuthService> {
  const core = await createAuthCore(deps);
  return {
    ...createAuthentication(core),
    ...createAccounts(core),
    ...createUserSessions(core),
    ...createUserAdministration(core),
  };
}
