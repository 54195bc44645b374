import type { Role } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { CachePort } from '@evently/platform';
import type { Kysely } from 'kysely';
import { readThrough } from '../../cache/read-through.js';
import type { RequestLog } from '../../kernel/log.js';
import { authRepository } from './auth.repository.js';
import type { SessionChanges } from './session-changes.js';

/** What every authenticated request checks: is the session alive, and who is its user now. */
export interface SessionState {
  userId: string;
  role: Role;
  active: boolean;
  revoked: boolean;
  expiresAt: string;
}

export interface SessionStates {
  /** From the cache; from the database on a miss (or when the cache is down). */
  get(sessionId: string): Promise<SessionState | undefined>;
  /**
   * Call after the change committed, so the next request of any instance reloads it; the change
   * is then published, so the streams open with these sessions check their access at once.
   */
  forget(sessionIds: string[]): Promise<void>;
}

/**
 * Short-lived so a missed invalidation (Redis unreachable at that moment) heals itself soon;
 * invalidations make changes visible at once on every instance (the cache is Redis in production).
 */
const TTL_MS = 60_000;
const key = (sessionId: string) => `auth:session:${sessionId}`;

export function createSessionStates(deps: {
  db: Kysely<Database>;
  cache: CachePort;
  log: RequestLog;
  changes?: Pick<SessionChanges, 'publish'> | undefined;
}): SessionStates {
  const load = async (sessionId: string): Promise<SessionState | undefined> => {
    const row = await authRepository.sessionState(deps.db, sessionId);
    return (
      row && {
        userId: row.user_id,
        role: row.role,
        active: row.active,
        revoked: row.revoked_at !== null,
        expiresAt: row.expires_at.toISOString(),
      }
    );
  };

  return {
    get(sessionId) {
      return readThrough(deps, key(sessionId), () => load(sessionId), {
        ttlMs: TTL_MS,
        unavailable: 'session cache unavailable; reading the database',
      });
    },
    async forget(sessionIds) {
      if (sessionIds.length === 0) return;
      await deps.cache.del(...sessionIds.map(key)).catch((error: unknown) => {
        deps.log.error(
          { err: error, sessions: sessionIds.length },
          'cannot invalidate cached sessions',
        );
      });
      // After the cache forgot them: a stream checking on this message reads the new state. A
      // lost message costs a stream one timer interval.
      await deps.changes?.publish(sessionIds).catch((error: unknown) => {
        deps.log.warn(
          { err: error, sessions: sessionIds.length },
          'cannot publish session changes; open streams notice at their next check',
        );
      });
    },
  };
}
