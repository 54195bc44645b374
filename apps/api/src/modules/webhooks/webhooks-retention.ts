import { finishedRowsRule } from '@evently/platform';
import { sql } from 'kysely';

/**
 * Deliveries that ended (delivered, or failed and not replayed) before the cutoff, with their
 * attempts (cascade): a failed one is replayable until then. Pending ones are kept whatever
 * their age. Oldest first, through the finished-deliveries index.
 */
export const webhookDeliveriesRetention = finishedRowsRule({
  name: 'webhook-deliveries',
  table: 'webhook_deliveries',
  finishedBefore: (cutoff) => sql`status <> 'pending' AND created_at < ${cutoff}`,
  oldestFirst: 'created_at',
});
