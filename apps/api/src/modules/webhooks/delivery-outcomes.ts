import { appendEvents, type Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import { afterFailure, type DeliverySchedule, disables } from './delivery-schedule.js';
import { ownersOf } from './organization-owners.queries.js';
import {
  type AttemptRecord,
  type ClaimedDelivery,
  deliveriesRepository as deliveries,
} from './webhook-deliveries.repository.js';
import { webhooksRepository as webhooks } from './webhooks.repository.js';

export interface OutcomeDeps {
  db: Kysely<Database>;
  schedule: DeliverySchedule;
  log: Logger;
}

const isSuccess = (statusCode: number | null) =>
  statusCode !== null && statusCode >= 200 && statusCode < 300;

/**
 * A webhook failing for `disableAfterMs` is disabled: its queue fails (replayable once an
 * owner enables it again) and each owner gets a mail, through the outbox like every mail.
 */
async function disable(
  trx: Transaction<Database>,
  deps: OutcomeDeps,
  hook: { id: string; organization_id: string; url: string; failing_since: Date },
  now: Date,
): Promise<void> {
  await webhooks.update(trx, hook.id, { status: 'disabled', disabled_at: now, updated_at: now });
  await deliveries.failPending(trx, hook.id, 'the webhook was disabled after 5 days of failures');
  const organization = await ownersOf(trx, hook.organization_id);
  await appendEvents(
    trx,
    organization.owners.map((owner) => ({
      topic: 'webhook.disabled' as const,
      aggregateId: hook.id,
      payload: {
        ...owner,
        organizationId: hook.organization_id,
        organizationName: organization.name,
        webhookId: hook.id,
        url: hook.url,
        failingSince: hook.failing_since.toISOString(),
      },
    })),
  );
  deps.log.warn(
    { webhookId: hook.id, failingSince: hook.failing_since, owners: organization.owners.length },
    'webhook disabled after failing for 5 days; its owners are mailed',
  );
}

/** A failed attempt starts (or extends) its webhook's failure streak, and may end the webhook. */
async function noteFailure(
  trx: Transaction<Database>,
  deps: OutcomeDeps,
  webhookId: string,
  now: Date,
): Promise<void> {
  const hook = await webhooks.findForUpdate(trx, webhookId);
  if (!hook) return;
  const failingSince = hook.failing_since ?? now;
  if (!hook.failing_since) await webhooks.update(trx, hook.id, { failing_since: now });
  if (hook.status === 'active' && disables(deps.schedule, failingSince, now)) {
    await disable(trx, deps, { ...hook, failing_since: failingSince }, now);
  }
}

/**
 * Records one attempt and what follows from it, in one transaction: the attempt itself, then
 * — while the claim is still the delivery's latest — delivered (the webhook's failure streak
 * ends), or pending again after its backoff, or failed once its 24 h are over (its webhook's
 * queue moves on either way). Resolves how the delivery stands.
 */
export async function recordOutcome(
  deps: OutcomeDeps,
  claim: ClaimedDelivery,
  attempt: AttemptRecord,
): Promise<'delivered' | 'pending' | 'failed' | 'stale'> {
  return deps.db.transaction().execute(async (trx) => {
    await deliveries.recordAttempt(trx, claim, attempt);
    if (isSuccess(attempt.statusCode)) {
      if (!(await deliveries.settle(trx, claim, { status: 'delivered', attempt }))) return 'stale';
      await trx
        .updateTable('webhooks')
        .set({ failing_since: null })
        .where('id', '=', claim.webhook_id)
        .where('failing_since', 'is not', null)
        .execute();
      return 'delivered';
    }
    const next = afterFailure(deps.schedule, {
      attempts: claim.attempts,
      now: attempt.at,
      retryUntil: claim.retry_until,
    });
    const settled = await deliveries.settle(trx, claim, {
      status: next.status,
      ...(next.status === 'pending' && { nextAttemptAt: next.nextAttemptAt }),
      attempt,
    });
    if (!settled) return 'stale';
    await noteFailure(trx, deps, claim.webhook_id, attempt.at);
    return next.status;
  });
}
