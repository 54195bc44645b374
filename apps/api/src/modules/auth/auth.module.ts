import type { Database } from '@evently/db';
import type { CachePort, PubSubPort, RateLimiterFactory } from '@evently/platform';
import type { Kysely } from 'kysely';
import type { AccessChanges } from '../../kernel/access-changes.js';
import type { Clock } from '../../kernel/clock.js';
import type { RequestLog } from '../../kernel/log.js';
import type { Module } from '../../kernel/module.js';
import { authRepository } from './auth.repository.js';
import { type AuthConfig, type AuthService, createAuthService } from './auth.service.js';
import { otpCodesRetention, sessionsRetention } from './auth-retention.js';
import { createSessionChanges, type SessionChanges } from './session-changes.js';

/**
 * Accounts, sessions and one-time codes. `sessionChanges` is where a revoked or changed session
 * is announced to every instance, so the open streams of that session check their access again.
 */
export async function createAuthModule(deps: {
  db: Kysely<Database>;
  platform: { cache: CachePort; rateLimits: RateLimiterFactory; pubsub: PubSubPort };
  config: AuthConfig;
  log: RequestLog;
  now: Clock;
}): Promise<
  Module<AuthService> & { sessionChanges: SessionChanges; accessChanges: AccessChanges }
> {
  const sessionChanges = createSessionChanges({ pubsub: deps.platform.pubsub, log: deps.log });
  const service = await createAuthService({
    db: deps.db,
    cache: deps.platform.cache,
    rateLimits: deps.platform.rateLimits,
    config: deps.config,
    log: deps.log,
    now: deps.now,
    sessionChanges,
  });
  const accessChanges: AccessChanges = {
    // Every live session of the users: their streams run the access check again.
    async announce(userIds) {
      try {
        for (const userId of userIds) {
          const live = await authRepository.listLiveSessions(deps.db, userId, deps.now());
          if (live.length > 0) await sessionChanges.publish(live.map((s) => s.id));
        }
      } catch (error) {
        deps.log.warn(
          { err: error },
          'cannot announce access changes; open streams notice at their next check',
        );
      }
    },
  };
  return {
    service,
    sessionChanges,
    accessChanges,
    retention: [sessionsRetention, otpCodesRetention],
    close: () => sessionChanges.close(),
  };
}
