import { finishedRowsRule } from '@evently/platform';
import { sql } from 'kysely';

/**
 * Idempotency keys that expired (24 h after use) before the cutoff: an expired key is treated as
 * unused already (the allocator deletes it when the key comes back), so this only clears what
 * never comes back.
 */
export const idempotencyKeysRetention = finishedRowsRule({
  name: 'idempotency-keys',
  table: 'idempotency_keys',
  key: ['user_id', 'scope', 'key'],
  finishedBefore: (cutoff) => sql`expires_at < ${cutoff}`,
});
