import { z } from 'zod';
import { bookingSchema, waitlistEntrySchema } from './bookings.js';
import { checkinDirectionSchema } from './checkin.js';
import { eventSchema } from './events.js';
import { idSchema, instantSchema } from './primitives.js';
import { ticketSchema } from './tickets.js';
import { WEBHOOK_TEST_TOPIC, type WebhookTopic } from './webhooks.js';

/**
 * What a webhook delivery's body holds, per topic: the envelope of the Standard Webhooks spec
 * (`type`, `timestamp`, `data`) plus the domain event's `id`. `data` carries the public DTOs, as
 * the API answers them (the event as `events.get`, the booking as `bookings.get`), read when the
 * delivery was recorded — a moment after the fact, so they may already show a later state (a
 * booking created and confirmed at once shows `confirmed` in its `booking.created`).
 */
function envelope<T extends string, D extends z.ZodType>(type: T, data: D) {
  return z.object({
    /** The domain event's id (the same in every delivery of it, to any webhook). */
    id: idSchema,
    type: z.literal(type),
    /** When it happened. */
    timestamp: instantSchema,
    data,
  });
}

const eventData = z.object({ event: eventSchema });
const bookingData = z.object({ booking: bookingSchema });

export const webhookEventSchemas = {
  'event.published': envelope('event.published', eventData),
  'event.updated': envelope(
    'event.updated',
    eventData.extend({ /** The fields the update changed. */ changed: z.array(z.string()) }),
  ),
  'event.cancelled': envelope('event.cancelled', eventData),
  'booking.created': envelope('booking.created', bookingData),
  'booking.confirmed': envelope('booking.confirmed', bookingData),
  'booking.cancelled': envelope('booking.cancelled', bookingData),
  'booking.expired': envelope('booking.expired', bookingData),
  // The place in line made an offer: its entry, and the booking holding the offered seats.
  'waitlist.offered': envelope(
    'waitlist.offered',
    z.object({ entry: waitlistEntrySchema, booking: bookingSchema }),
  ),
  'ticket.checked_in': envelope(
    'ticket.checked_in',
    z.object({
      ticket: ticketSchema,
      /** The scan that let it in (or out). */
      checkin: z.object({
        listId: idSchema,
        direction: checkinDirectionSchema,
        gate: z.string().nullable(),
        at: instantSchema,
      }),
    }),
  ),
  [WEBHOOK_TEST_TOPIC]: envelope(
    WEBHOOK_TEST_TOPIC,
    z.object({ webhookId: idSchema, organizationId: idSchema, message: z.string() }),
  ),
} as const satisfies Record<WebhookTopic | typeof WEBHOOK_TEST_TOPIC, z.ZodType>;

/** Any delivery's body, told apart by `type`. */
export const webhookEventSchema = z.discriminatedUnion('type', [
  webhookEventSchemas['event.published'],
  webhookEventSchemas['event.updated'],
  webhookEventSchemas['event.cancelled'],
  webhookEventSchemas['booking.created'],
  webhookEventSchemas['booking.confirmed'],
  webhookEventSchemas['booking.cancelled'],
  webhookEventSchemas['booking.expired'],
  webhookEventSchemas['waitlist.offered'],
  webhookEventSchemas['ticket.checked_in'],
  webhookEventSchemas[WEBHOOK_TEST_TOPIC],
]);
export type WebhookEvent = z.infer<typeof webhookEventSchema>;
export type WebhookEventType = WebhookEvent['type'];
/** The body of one type, e.g. `WebhookEventOf<'booking.confirmed'>`. */
export type WebhookEventOf<T extends WebhookEventType> = Extract<WebhookEvent, { type: T }>;
/** The `data` of one type. */
export type WebhookData<T extends WebhookEventType> = WebhookEventOf<T>['data'];
