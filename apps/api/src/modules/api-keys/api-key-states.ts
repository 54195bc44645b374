import type { ApiKeyScope } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { CachePort } from '@evently/platform';
import type { Kysely } from 'kysely';
import type { RequestLog } from '../../kernel/log.js';
import { knownScopes } from './api-keys.mappers.js';
import { apiKeysRepository as repo } from './api-keys.repository.js';

/** What every request made with a key checks: is it alive, whose is it, what may it do. */
export interface ApiKeyState {
  id: string;
  organizationId: string;
  scopes: ApiKeyScope[];
  madeBy: string;
  expiresAt: string | null;
  revoked: boolean;
}

export interface ApiKeyStates {
  /** By the secret's hash: from the cache; from the database on a miss (or the cache down). */
  get(secretHash: Buffer): Promise<ApiKeyState | undefined>;
  /**
   * Before a revocation: throws when the cache is unreachable, so the revocation is refused
   * rather than left behind a state another instance keeps reading.
   */
  forgetBefore(secretHash: Buffer): Promise<void>;
  /** After it committed (a reader may have refilled meanwhile); logs a failure. */
  forget(secretHash: Buffer): Promise<void>;
}

/** Short-lived so a missed invalidation heals itself soon (as sessions and memberships do). */
const TTL_MS = 60_000;
const key = (secretHash: Buffer) => `apikey:${secretHash.toString('hex')}`;

export function createApiKeyStates(deps: {
  db: Kysely<Database>;
  cache: CachePort;
  log: RequestLog;
}): ApiKeyStates {
  const load = async (secretHash: Buffer): Promise<ApiKeyState | undefined> => {
    const row = await repo.findBySecretHash(deps.db, secretHash);
    return (
      row && {
        id: row.id,
        organizationId: row.organization_id,
        scopes: knownScopes(row.scopes),
        madeBy: row.created_by,
        expiresAt: row.expires_at?.toISOString() ?? null,
        revoked: row.revoked_at !== null,
      }
    );
  };

  return {
    async get(secretHash) {
      const cached = await deps.cache.get<ApiKeyState>(key(secretHash)).catch((error: unknown) => {
        deps.log.warn({ err: error }, 'API key cache unavailable; reading the database');
        return undefined;
      });
      if (cached) return cached;
      const state = await load(secretHash);
      // Unknown keys are not remembered: whoever sends them chooses them.
      if (!state) return undefined;
      const filled = await deps.cache.set(key(secretHash), state, TTL_MS).then(
        () => true,
        () => false,
      );
      if (!filled) return state;
      // A revocation committed between our read and our fill had its forget() run before the
      // fill; reading again after the fill closes that window (as session-state.ts does).
      const after = await load(secretHash);
      if (!after || JSON.stringify(after) !== JSON.stringify(state)) {
        await deps.cache.del(key(secretHash)).catch(() => {});
      }
      return after;
    },

    async forgetBefore(secretHash) {
      await deps.cache.del(key(secretHash));
    },

    async forget(secretHash) {
      await deps.cache.del(key(secretHash)).catch((error: unknown) => {
        deps.log.error(
          { err: error },
          'API key cache invalidation failed; it expires within a minute',
        );
      });
    },
  };
}
