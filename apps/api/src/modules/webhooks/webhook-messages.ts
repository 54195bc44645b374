import {
  type DomainEvent,
  WEBHOOK_TEST_TOPIC,
  type WebhookEvent,
  type WebhookTopic,
  webhookEventSchema,
  webhookTopics,
} from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Transaction } from 'kysely';
import type { WebhookSources } from './webhook-sources.js';

/** The domain events the webhooks consumer turns into deliveries. */
export const messageTopics = [...webhookTopics, 'webhook.test_requested'] as const;
export type MessageEvent = Extract<DomainEvent, { topic: (typeof messageTopics)[number] }>;

/** What one domain event is to the webhooks: whose it is and who hears of it. */
export interface Audience {
  organizationId: string;
  /** The topic webhooks subscribe to; a test goes to one webhook whatever it subscribes to. */
  topic: WebhookTopic | typeof WEBHOOK_TEST_TOPIC;
  /** A test's one webhook. */
  webhookId?: string;
}

/** The organization and topic of an event; undefined when its event is gone (nobody to tell). */
export async function audienceOf(
  trx: Transaction<Database>,
  sources: WebhookSources,
  event: MessageEvent,
): Promise<Audience | undefined> {
  if (event.topic === 'webhook.test_requested') {
    const { organizationId, webhookId } = event.payload;
    return { organizationId, topic: WEBHOOK_TEST_TOPIC, webhookId };
  }
  const organizationId = await sources.organizationOf(trx, event.payload.eventId);
  return organizationId ? { organizationId, topic: event.topic } : undefined;
}

/** The `data` of a delivery: the public DTOs, read now; undefined when the resource is gone. */
async function dataOf(
  trx: Transaction<Database>,
  sources: WebhookSources,
  event: MessageEvent,
): Promise<Record<string, unknown> | undefined> {
  switch (event.topic) {
    case 'event.published':
    case 'event.cancelled': {
      const found = await sources.event(trx, event.payload.eventId);
      return found && { event: found };
    }
    case 'event.updated': {
      const found = await sources.event(trx, event.payload.eventId);
      return found && { event: found, changed: event.payload.changed };
    }
    case 'booking.created':
    case 'booking.confirmed':
    case 'booking.cancelled':
    case 'booking.expired': {
      const booking = await sources.booking(trx, event.payload.bookingId);
      return booking && { booking };
    }
    case 'waitlist.offered': {
      const [entry, booking] = await Promise.all([
        sources.waitlistEntry(trx, event.payload.entryId),
        sources.booking(trx, event.payload.bookingId),
      ]);
      return entry && booking && { entry, booking };
    }
    case 'ticket.checked_in': {
      const { ticketId, listId, direction, gate, at } = event.payload;
      const ticket = await sources.ticket(trx, ticketId);
      return ticket && { ticket, checkin: { listId, direction, gate, at } };
    }
    case 'webhook.test_requested':
      return {
        webhookId: event.payload.webhookId,
        organizationId: event.payload.organizationId,
        message: 'A test delivery from Evently: this webhook is reached and can verify it.',
      };
  }
}

/**
 * The body every delivery of this event carries, checked against the contract the SDK's
 * `verifyWebhook` parses with (a DTO that drifted from it fails here, not at a receiver).
 */
export async function messageBody(
  trx: Transaction<Database>,
  sources: WebhookSources,
  event: MessageEvent,
  audience: Audience,
): Promise<string | undefined> {
  const data = await dataOf(trx, sources, event);
  if (!data) return undefined;
  const message: WebhookEvent = webhookEventSchema.parse({
    id: event.id,
    type: audience.topic,
    timestamp: event.occurredAt,
    data,
  });
  return JSON.stringify(message);
}
