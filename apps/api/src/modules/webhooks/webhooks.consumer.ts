import { randomUUID } from 'node:crypto';
import type { Database } from '@evently/db';
import { type Consumer, defineConsumer } from '@evently/platform';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import type { Clock } from '../../kernel/clock.js';
import type { DeliverySchedule } from './delivery-schedule.js';
import { deliveriesRepository as deliveries } from './webhook-deliveries.repository.js';
import {
  type Audience,
  audienceOf,
  type MessageEvent,
  messageBody,
  messageTopics,
} from './webhook-messages.js';
import type { WebhookSources } from './webhook-sources.js';
import { webhooksRepository as webhooks } from './webhooks.repository.js';

/** Stable: it names the queue and the processed_events rows (and the sender's watermark). */
export const WEBHOOKS_CONSUMER_NAME = 'webhooks';
export const webhooksConsumerTopics = messageTopics;

export interface WebhooksConsumerDeps {
  sources: WebhookSources;
  schedule: DeliverySchedule;
  now: Clock;
  log: Logger;
}

/** A test's webhook, unless it was deleted (or moved) since the test was asked for. */
async function testedWebhook(
  trx: Transaction<Database>,
  webhookId: string,
  organizationId: string,
): Promise<Array<{ id: string }>> {
  const found = await webhooks.find(trx, webhookId);
  return found?.organization_id === organizationId ? [{ id: found.id }] : [];
}

/**
 * The body, or undefined when a DTO fails the contract: our bug, logged as an error — and the
 * event is passed over rather than retried forever, which would hold every webhook's queue
 * behind it (the sender's watermark).
 */
async function bodyOf(
  trx: Transaction<Database>,
  deps: WebhooksConsumerDeps,
  event: MessageEvent,
  audience: Audience,
): Promise<string | undefined> {
  try {
    return await messageBody(trx, deps.sources, event, audience);
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    deps.log.error(
      { eventId: event.id, topic: event.topic, issues: error.issues.slice(0, 5) },
      'webhook payload fails its contract; the event is not delivered to webhooks',
    );
    return undefined;
  }
}

/** One event's deliveries: one per active webhook of its organization that hears of it. */
async function record(
  trx: Transaction<Database>,
  deps: WebhooksConsumerDeps,
  event: MessageEvent,
): Promise<void> {
  const audience = await audienceOf(trx, deps.sources, event);
  if (!audience) return;
  const listeners = audience.webhookId
    ? await testedWebhook(trx, audience.webhookId, audience.organizationId)
    : await webhooks.listeners(trx, audience.organizationId, audience.topic);
  // Most organizations have no webhook: nothing else is read for them.
  if (listeners.length === 0) return;
  const [body, seq] = await Promise.all([
    bodyOf(trx, deps, event, audience),
    deliveries.seqOf(trx, event.id),
  ]);
  // The resource is gone (nothing to say), or the event was pruned (it was delivered long ago).
  if (body === undefined || seq === undefined) return;
  const now = deps.now();
  const retryUntil = new Date(now.getTime() + deps.schedule.retryWindowMs);
  await deliveries.insert(
    trx,
    listeners.map((listener) => ({
      id: randomUUID(),
      webhook_id: listener.id,
      event_id: event.id,
      seq,
      topic: audience.topic,
      body,
      status: 'pending',
      next_attempt_at: now,
      retry_until: retryUntil,
      created_at: now,
    })),
  );
}

/**
 * Records the deliveries each domain event of a webhook topic calls for, in the delivery
 * transaction — so exactly when processed_events records the event, and (webhook, event) is
 * unique besides — with its body built there from the source rows as the public DTOs. Nothing is
 * sent here: the delivery worker (delivery-sender.ts) sends them, in outbox order per webhook.
 * Group commit: a relay pass's events in one transaction.
 */
export function createWebhooksConsumer(deps: WebhooksConsumerDeps): Consumer {
  return defineConsumer({
    name: WEBHOOKS_CONSUMER_NAME,
    topics: webhooksConsumerTopics,
    handle: (trx, event) => record(trx, deps, event),
    async handleBatch(trx, events) {
      // One look for a whole relay pass when no webhook hears of any of its topics (tests
      // always go to their one webhook).
      const topics = [...new Set(events.map((e) => e.topic))];
      const tests = topics.includes('webhook.test_requested');
      if (!tests && !(await webhooks.anyListening(trx, topics))) return;
      for (const event of events) await record(trx, deps, event);
    },
  });
}
