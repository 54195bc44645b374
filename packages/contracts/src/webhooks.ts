import { z } from 'zod';
import { keysetPageInputSchema, pageOutputSchema, sequenceKeySchema } from './pagination.js';
import { idSchema, instantSchema, textSchema } from './primitives.js';

/**
 * Webhooks (API.md Part 2, "integrations"): an organization's owners subscribe URLs to topics;
 * every matching domain event is delivered to each, signed per the Standard Webhooks spec, in
 * outbox order per webhook. The payloads are in webhook-events.ts.
 */

/** What a webhook may subscribe to. */
export const webhookTopics = [
  'event.published',
  'event.updated',
  'event.cancelled',
  'booking.created',
  'booking.confirmed',
  'booking.cancelled',
  'booking.expired',
  'waitlist.offered',
  'ticket.checked_in',
] as const;
export const webhookTopicSchema = z.enum(webhookTopics);
export type WebhookTopic = z.infer<typeof webhookTopicSchema>;

/** The topic of the delivery `webhooks.test` sends (to that webhook only, whatever it subscribes). */
export const WEBHOOK_TEST_TOPIC = 'webhook.test';

function isWebUrl(text: string): boolean {
  if (/\s/.test(text)) return false;
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Where deliveries go: an http(s) URL. Whether its addresses are public is the server's check
 * (at creation and on every attempt), refused with WEBHOOK_URL_REFUSED.
 */
export const webhookUrlSchema = textSchema({ min: 1, max: 2_048 }).refine(
  isWebUrl,
  'must be an http:// or https:// URL',
);

const topicsSchema = z
  .array(webhookTopicSchema)
  .min(1)
  .max(webhookTopics.length)
  .refine((topics) => new Set(topics).size === topics.length, 'each topic may appear once');

export const webhookStatuses = ['active', 'disabled'] as const;
export const webhookStatusSchema = z.enum(webhookStatuses);

export const webhookSchema = z.object({
  id: idSchema,
  organizationId: idSchema,
  url: z.string(),
  topics: z.array(webhookTopicSchema),
  description: z.string().nullable(),
  /** `disabled`: by an owner, or by Evently after 5 days of failed deliveries (see disabledAt). */
  status: webhookStatusSchema,
  /** Since when every attempt failed (null after a success). */
  failingSince: instantSchema.nullable(),
  disabledAt: instantSchema.nullable(),
  createdAt: instantSchema,
  updatedAt: instantSchema,
});
export type Webhook = z.infer<typeof webhookSchema>;

export const createWebhookInputSchema = z.object({
  organizationId: idSchema,
  url: webhookUrlSchema,
  topics: topicsSchema,
  description: textSchema({ max: 500 }).optional(),
});
export type CreateWebhookInput = z.input<typeof createWebhookInputSchema>;

/**
 * A webhook with its signing secret (`whsec_` + base64 of 32 random bytes, the Standard
 * Webhooks format): answered by `create` and `rotateSecret` only.
 */
export const webhookWithSecretSchema = z.object({ webhook: webhookSchema, secret: z.string() });
export type WebhookWithSecret = z.infer<typeof webhookWithSecretSchema>;

export const listWebhooksInputSchema = z.object({ organizationId: idSchema });
export const webhookIdInputSchema = z.object({ id: idSchema });

export const updateWebhookInputSchema = z.object({
  id: idSchema,
  url: webhookUrlSchema.optional(),
  topics: topicsSchema.optional(),
  description: textSchema({ max: 500 }).nullable().optional(),
  /** true: enabled again (its failure streak forgotten); false: nothing is delivered to it. */
  enabled: z.boolean().optional(),
});
export type UpdateWebhookInput = z.input<typeof updateWebhookInputSchema>;

/** `webhooks.test`: the domain event whose delivery was queued (its `eventId` in deliveries). */
export const webhookTestSchema = z.object({ eventId: idSchema });

export const webhookDeliveryStatuses = ['pending', 'delivered', 'failed'] as const;
export const webhookDeliveryStatusSchema = z.enum(webhookDeliveryStatuses);
export type WebhookDeliveryStatus = z.infer<typeof webhookDeliveryStatusSchema>;

export const webhookDeliverySchema = z.object({
  /** The `webhook-id` header: the same on every attempt and replay. */
  id: idSchema,
  /** A webhook topic, or `webhook.test`. */
  topic: z.string(),
  /** The domain event delivered (the payload's `id`). */
  eventId: idSchema,
  status: webhookDeliveryStatusSchema,
  attempts: z.int(),
  lastStatusCode: z.int().nullable(),
  lastError: z.string().nullable(),
  /** When a pending delivery is tried next (null once delivered or failed). */
  nextAttemptAt: instantSchema.nullable(),
  /** How long the last attempt took. */
  durationMs: z.int().nullable(),
  createdAt: instantSchema,
  deliveredAt: instantSchema.nullable(),
});
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

/** The deliveries list's sort key: outbox order, newest first. */
const deliveriesSortKeySchema = z.strictObject({ s: sequenceKeySchema });
export const webhookDeliveriesInputSchema = keysetPageInputSchema(deliveriesSortKeySchema).extend({
  webhookId: idSchema,
  status: webhookDeliveryStatusSchema.optional(),
});
export type WebhookDeliveriesInput = z.input<typeof webhookDeliveriesInputSchema>;
export const webhookDeliveryPageSchema = pageOutputSchema(webhookDeliverySchema);

/**
 * `deliveryId`: that delivery, whatever its status, sent again; otherwise every failed delivery
 * of the webhook (recorded at or after `since`, if given).
 */
export const replayWebhookInputSchema = z.object({
  webhookId: idSchema,
  deliveryId: idSchema.optional(),
  since: instantSchema.optional(),
});
export type ReplayWebhookInput = z.input<typeof replayWebhookInputSchema>;
export const replayWebhookResultSchema = z.object({ queued: z.int() });
