import type { Webhook, WebhookDelivery, WebhookTopic } from '@evently/contracts';
import { webhookTopicSchema } from '@evently/contracts';
import type { DeliveryRow } from './webhook-deliveries.repository.js';
import type { WebhookRow } from './webhooks.repository.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** A webhook as its owners see it: never its secret. */
export function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id,
    organizationId: row.organization_id,
    url: row.url,
    // Written from the contract's enum; one no longer in it is left out, not an error.
    topics: row.topics.filter(
      (topic): topic is WebhookTopic => webhookTopicSchema.safeParse(topic).success,
    ),
    description: row.description,
    status: row.status,
    failingSince: iso(row.failing_since),
    disabledAt: iso(row.disabled_at),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    topic: row.topic,
    eventId: row.event_id,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    durationMs: row.last_duration_ms,
    createdAt: row.created_at.toISOString(),
    deliveredAt: iso(row.delivered_at),
  };
}
