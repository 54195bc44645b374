import { finishedRowsRule } from '@evently/platform';
import { sql } from 'kysely';

/**
 * Deliveries that ended (delivered, or failed and not replayed) before the cutoff — by their last
 * attempt, so one replayed and finished lately stays — with their attempts (cascade): a failed
 * one is replayable until then. Pending ones are kept whatever their age.
 */
export const webhookDeliveriesRetention = finishedRowsRule({
  name: 'webhook-deliveries',
  table: 'webhook_deliveries',
  finishedBefore: (cutoff) =>
    sql`status <> 'pending' AND coalesce(last_attempt_at, created_at) < ${cutoff}`,
  oldestFirst: 'created_at',
});
