import { sql } from 'kysely';
import type { RetentionRule } from './retention-rule.js';

/**
 * Delivered outbox rows, with their `processed_events` claims, once delivered before the cutoff.
 *
 * Why this cannot weaken exactly-once: a claim only matters while its event can still be
 * delivered, and nothing delivers a delivered row again. The relay takes rows with no
 * `relayed_at`, the reconciler rows with no `delivered_at` (it sets it only once every
 * subscribed consumer has its claim) — both disjoint from the rows deleted here, and an
 * undelivered row keeps all its claims however old it is (a consumer that failed for a month
 * still finds the others' claims when the reconciler retries it). What remains are duplicate
 * jobs already in the queue when the row was marked delivered (a relay's repeat after a crash,
 * a job's own retries): they run within seconds to minutes while a worker runs, far inside the
 * retention window (at least a day). Rows are locked SKIP LOCKED, so a row the reconciler holds
 * is left for the next pass.
 */
export const outboxRetention: RetentionRule = {
  name: 'outbox',
  async prune(db, cutoff, limit) {
    const result = await sql`
      WITH doomed AS (
        SELECT id FROM outbox
        WHERE delivered_at < ${cutoff}
        ORDER BY delivered_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      ), claims AS (
        DELETE FROM processed_events WHERE event_id IN (SELECT id FROM doomed)
      )
      DELETE FROM outbox WHERE id IN (SELECT id FROM doomed)`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  },
};
