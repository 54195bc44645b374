import type { ApiKeyScope } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { CachePort } from '@evently/platform';
import type { Kysely } from 'kysely';
import { readThrough } from '../../cache/read-through.js';
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
  get(secretHash: Uint8Array): Promise<ApiKeyState | undefined>;
  /**
   * Before a revocation: throws when the cache is unreachable, so the revocation is refused
   * rather than left behind a state another instance keeps reading.
   */
  forgetBefore(secretHash: Uint8Array): Promise<void>;
  /** After it committed (a reader may have refilled meanwhile); logs a failure. */
  forget(secretHash: Uint8Array): Promise<void>;
}

/** Short-lived so a missed invalidation heals itself soon (as sessions and memberships do). */
const TTL_MS = 60_000;
// PGlite answers bytea as a Uint8Array, whose toString() is not hex: the key is made from a
// Buffer view of the bytes, whichever database read them.
const key = (secretHash: Uint8Array) => `apikey:${Buffer.from(secretHash).toString('hex')}`;

export function createApiKeyStates(deps: {
  db: Kysely<Database>;
  cache: CachePort;
  log: RequestLog;
}): ApiKeyStates {
  const load = async (secretHash: Uint8Array): Promise<ApiKeyState | undefined> => {
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
    // Unknown keys are not remembered: whoever sends them chooses them.
    get(secretHash) {
      return readThrough(deps, key(secretHash), () => load(secretHash), {
        ttlMs: TTL_MS,
        unavailable: 'API key cache unavailable; reading the database',
      });
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
