import type { Database } from '@evently/db';
import type { CachePort, RateLimiterFactory } from '@evently/platform';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../kernel/clock.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import type { Module } from '../../kernel/module.js';
import { type ApiKeyAuthentication, createApiKeyAuthentication } from './api-key-authentication.js';
import { createApiKeyStates } from './api-key-states.js';
import { type ApiKeysService, createApiKeysService } from './api-keys.service.js';

/** What procedures reach: the owners' `apiKeys.*`, and turning a bearer `evk_…` into a principal. */
export type ApiKeysModuleService = ApiKeysService & ApiKeyAuthentication;

/**
 * API keys: an organization's owners make keys with scopes for batch jobs and outside systems;
 * a request with one (`Bearer evk_…`) acts for the organization within its scopes, resolved per
 * request through the cache port (as sessions are), limited per key, named in the audit trail.
 */
export function createApiKeysModule(deps: {
  db: Kysely<Database>;
  cache: CachePort;
  rateLimits: RateLimiterFactory;
  roles: MemberRoles;
  /** Publishes revocations to the streams opened with a key (the session-changes channel). */
  announce(revocationIds: string[]): Promise<void>;
  /** API_KEY_REQUESTS_PER_MINUTE (default 1,200 per key). */
  perMinute?: number | undefined;
  log: Logger;
  now: Clock;
}): Module<ApiKeysModuleService> {
  const states = createApiKeyStates({ db: deps.db, cache: deps.cache, log: deps.log });
  const service = createApiKeysService({ ...deps, states });
  const authentication = createApiKeyAuthentication({ ...deps, states });
  return {
    service: { ...service, ...authentication },
    async close() {},
  };
}
