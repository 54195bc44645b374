import { z } from 'zod';
import { keysetPageInputSchema, pageOutputSchema } from './pagination.js';
import { cancellationPolicySchema } from './payments.js';
import {
  currencySchema,
  idSchema,
  instantSchema,
  priceCentsSchema,
  textSchema,
} from './primitives.js';

export const eventStatuses = ['draft', 'published', 'cancelled', 'completed'] as const;
export const eventStatusSchema = z.enum(eventStatuses);
export type EventStatus = z.infer<typeof eventStatusSchema>;

export const MAX_CAPACITY = 1_000_000;
const DAY_MS = 86_400_000;
/** An event lasts at most this long; longer is a typo, not a festival. */
export const MAX_EVENT_DAYS = 31;
/** Sales may open at most this long before the event starts. */
export const MAX_SALES_LEAD_DAYS = 730;

/** The fields of an event, each bounded on its own. */
export const eventFieldsSchema = z.object({
  title: textSchema({ min: 1, max: 200 }),
  description: textSchema({ max: 10_000, multiline: true }),
  venue: textSchema({ min: 1, max: 300 }),
  startsAt: instantSchema,
  endsAt: instantSchema,
  capacity: z.int().min(1).max(MAX_CAPACITY),
  priceCents: priceCentsSchema.max(100_000_000),
  currency: currencySchema,
  maxPerBooking: z.int().min(1).max(100),
  maxPerUser: z.int().min(1).max(1_000).nullable(),
  salesStartAt: instantSchema.nullable(),
  salesEndAt: instantSchema.nullable(),
  /** Until when attendees may cancel a paid booking, and the fee kept (null: any time, no fee). */
  cancellationPolicy: cancellationPolicySchema.nullable(),
});
export type EventFields = z.infer<typeof eventFieldsSchema>;

const ms = (iso: string) => new Date(iso).getTime();

/** The rules between fields, for a whole event (a create, or an update merged with the stored event). */
export function checkEventRules(event: EventFields, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [path], message });
  if (ms(event.endsAt) <= ms(event.startsAt)) issue('endsAt', 'must be after startsAt');
  if (ms(event.endsAt) - ms(event.startsAt) > MAX_EVENT_DAYS * DAY_MS) {
    issue('endsAt', `an event lasts at most ${MAX_EVENT_DAYS} days`);
  }
  if (event.maxPerBooking > event.capacity) issue('maxPerBooking', 'cannot exceed capacity');
  if (event.maxPerUser !== null && event.maxPerUser < event.maxPerBooking) {
    issue('maxPerUser', 'cannot be below maxPerBooking');
  }
  const salesStart = event.salesStartAt ? ms(event.salesStartAt) : null;
  const salesEnd = event.salesEndAt ? ms(event.salesEndAt) : null;
  if (salesStart !== null && salesEnd !== null && salesEnd <= salesStart) {
    issue('salesEndAt', 'must be after salesStartAt');
  }
  if (salesEnd !== null && salesEnd > ms(event.endsAt))
    issue('salesEndAt', 'cannot be after endsAt');
  if (salesStart !== null && salesStart >= ms(event.endsAt))
    issue('salesStartAt', 'must be before endsAt');
  if (salesStart !== null && ms(event.startsAt) - salesStart > MAX_SALES_LEAD_DAYS * DAY_MS) {
    issue('salesStartAt', `sales open at most ${MAX_SALES_LEAD_DAYS} days before the event`);
  }
  const cancelUntil = event.cancellationPolicy?.attendeeMayCancelUntil;
  if (cancelUntil && ms(cancelUntil) > ms(event.endsAt)) {
    issue('cancellationPolicy', 'attendeeMayCancelUntil cannot be after endsAt');
  }
}

export const eventRulesSchema = eventFieldsSchema.superRefine(checkEventRules);

/** `EventInput` of API.md: optional fields get their defaults. */
export const eventInputSchema = eventFieldsSchema
  .extend({
    maxPerBooking: eventFieldsSchema.shape.maxPerBooking.optional(),
    maxPerUser: eventFieldsSchema.shape.maxPerUser.default(null),
    salesStartAt: eventFieldsSchema.shape.salesStartAt.default(null),
    salesEndAt: eventFieldsSchema.shape.salesEndAt.default(null),
    cancellationPolicy: eventFieldsSchema.shape.cancellationPolicy.default(null),
    description: eventFieldsSchema.shape.description.default(''),
    /** Required when the caller manages the events of several organizations. */
    organizationId: idSchema.optional(),
  })
  // The default of 10 per booking never exceeds a smaller capacity.
  .transform(({ maxPerBooking, ...rest }) => ({
    ...rest,
    maxPerBooking: maxPerBooking ?? Math.min(10, rest.capacity),
  }))
  .superRefine(checkEventRules);
export type EventInput = z.input<typeof eventInputSchema>;

export const updateEventInputSchema = z.object({
  id: idSchema,
  expectedVersion: z.int().min(1),
  patch: eventFieldsSchema.partial().refine((p) => Object.keys(p).length > 0, 'patch is empty'),
});

export const eventSchema = eventFieldsSchema.extend({
  id: idSchema,
  status: eventStatusSchema,
  /** Who created it (it stays recorded); the organization owns it. */
  organizerId: idSchema,
  organizationId: idSchema,
  version: z.int(),
  createdAt: instantSchema,
  updatedAt: instantSchema,
  publishedAt: instantSchema.nullable(),
  cancelledAt: instantSchema.nullable(),
  cancelReason: z.string().nullable(),
  availability: z.object({ available: z.int(), soldOut: z.boolean() }),
});
export type Event = z.infer<typeof eventSchema>;

/** The events list's sort key: starts-at, then id. */
const eventsSortKeySchema = z.strictObject({ s: instantSchema, i: idSchema });

export const listEventsInputSchema = keysetPageInputSchema(eventsSortKeySchema).extend({
  q: textSchema({ min: 1, max: 200 }).optional(),
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  status: eventStatusSchema.optional(),
  organizerId: idSchema.optional(),
  organizationId: idSchema.optional(),
});
/** What a client sends; the server works on `z.output` (defaults applied, cursor decoded). */
export type ListEventsInput = z.input<typeof listEventsInputSchema>;
export const eventPageSchema = pageOutputSchema(eventSchema);

export const eventIdInputSchema = z.object({ id: idSchema });
export const cancelEventInputSchema = z.object({
  id: idSchema,
  reason: textSchema({ min: 1, max: 1_000 }),
});
