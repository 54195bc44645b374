import type { RetentionRule } from '@evently/platform';
import { sql } from 'kysely';

/**
 * Idempotency keys that expired (24 h after use) before the cutoff: an expired key is treated as
 * unused already (the allocator deletes it when the key comes back), so this only clears what
 * never comes back.
 */
export const idempotencyKeysRetention: RetentionRule = {
  name: 'idempotency-keys',
  async prune(db, cutoff, limit) {
    const result = await sql`
      DELETE FROM idempotency_keys WHERE (user_id, scope, key) IN (
        SELECT user_id, scope, key FROM idempotency_keys WHERE expires_at < ${cutoff}
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  },
};
