import type { Database } from '@evently/db';
import type { RateLimiterFactory } from '@evently/platform';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { throttledWarning, type WarnLog } from '../../cache/throttled-warning.js';
import { AppError } from '../../kernel/app-error.js';
import type { Clock } from '../../kernel/clock.js';
import type { ApiKeyPrincipal } from '../../kernel/principal.js';
import { apiKeySecretHash, isWellFormedApiKey } from './api-key-secrets.js';
import type { ApiKeyStates } from './api-key-states.js';
import { apiKeysRepository as repo } from './api-keys.repository.js';

/** Requests per key and minute, whichever instance serves them (API_KEY_REQUESTS_PER_MINUTE). */
export const API_KEY_REQUESTS_PER_MINUTE = 1_200;

/** `lastUsedAt` is written at most this often per key (a busy key costs no write per call). */
const TOUCH_EVERY_MS = 60_000;

export interface ApiKeyAuthentication {
  /**
   * Turns a bearer `evk_…` into the key's principal, as the key is now; throws UNAUTHENTICATED
   * (unknown), API_KEY_REVOKED, TOKEN_EXPIRED (past its `expiresAt`) or RATE_LIMITED.
   * `uncounted`: a look ahead of the call (the HTTP layer's), which the call itself counts.
   */
  authenticate(bearer: string, options?: { uncounted: true }): Promise<ApiKeyPrincipal>;
}

export function createApiKeyAuthentication(deps: {
  db: Kysely<Database>;
  states: ApiKeyStates;
  rateLimits: RateLimiterFactory;
  perMinute?: number | undefined;
  log: WarnLog;
  now: Clock;
}): ApiKeyAuthentication {
  const { db, states, now } = deps;
  const limiter = deps.rateLimits.create({
    name: 'api-key',
    points: deps.perMinute ?? API_KEY_REQUESTS_PER_MINUTE,
    durationSeconds: 60,
  });
  const warnUncounted = throttledWarning(
    deps.log,
    'rate limits unreachable; API key requests go uncounted',
  );
  const warnUntouched = throttledWarning(deps.log, 'cannot record an API key use');
  /** When this process last recorded each key's use. */
  const touched = new LRUCache<string, number>({ max: 10_000 });

  async function limit(keyId: string): Promise<void> {
    let result: Awaited<ReturnType<typeof limiter.consume>>;
    try {
      result = await limiter.consume(keyId);
    } catch (error) {
      // The key is still checked (its state falls back to the database): an abuse limit must
      // not take the integrations down with Redis.
      warnUncounted({ err: error });
      return;
    }
    if (!result.allowed) {
      throw new AppError('RATE_LIMITED', 'Too many requests with this API key; retry later', {
        retryAfterSeconds: result.retryAfterSeconds,
      });
    }
  }

  async function touch(keyId: string): Promise<void> {
    const at = now();
    const last = touched.get(keyId);
    if (last !== undefined && at.getTime() - last < TOUCH_EVERY_MS) return;
    touched.set(keyId, at.getTime());
    await repo
      .touch(db, keyId, at, new Date(at.getTime() - TOUCH_EVERY_MS))
      .catch((error: unknown) => {
        touched.delete(keyId);
        warnUntouched({ err: error });
      });
  }

  return {
    async authenticate(bearer, options) {
      const unknown = () => new AppError('UNAUTHENTICATED', 'Unknown API key');
      if (!isWellFormedApiKey(bearer)) throw unknown();
      const state = await states.get(apiKeySecretHash(bearer));
      if (!state) throw unknown();
      if (state.revoked) throw new AppError('API_KEY_REVOKED', 'This API key was revoked');
      if (state.expiresAt && new Date(state.expiresAt).getTime() <= now().getTime()) {
        throw new AppError('TOKEN_EXPIRED', 'This API key has expired');
      }
      if (!options?.uncounted) {
        await limit(state.id);
        await touch(state.id);
      }
      return {
        kind: 'apiKey',
        apiKeyId: state.id,
        organizationId: state.organizationId,
        scopes: state.scopes,
        madeBy: state.madeBy,
      };
    },
  };
}
