import { z } from 'zod';
import { keysetPageInputSchema, pageOutputSchema, sequenceKeySchema } from './pagination.js';
import { currencySchema, idSchema, instantSchema, textSchema } from './primitives.js';

export const bookingStatuses = ['pending', 'confirmed', 'cancelled', 'expired'] as const;
export const bookingStatusSchema = z.enum(bookingStatuses);
export type BookingStatus = z.infer<typeof bookingStatusSchema>;

export const waitlistStatuses = [
  'waiting',
  'offered',
  'converted',
  'expired',
  'left',
  'closed',
] as const;
export const waitlistStatusSchema = z.enum(waitlistStatuses);

/** Client-chosen retry key (Stripe-like): per user, 24 h. */
export const idempotencyKeySchema = z
  .string()
  .min(8)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/);
export const quantitySchema = z.int().min(1).max(100);

export const bookingSchema = z.object({
  id: idSchema,
  eventId: idSchema,
  userId: idSchema,
  quantity: z.int(),
  status: bookingStatusSchema,
  unitPriceCents: z.int(),
  totalCents: z.int(),
  currency: currencySchema,
  expiresAt: instantSchema.nullable(),
  createdAt: instantSchema,
  confirmedAt: instantSchema.nullable(),
  cancelledAt: instantSchema.nullable(),
  waitlistEntryId: idSchema.nullable(),
});
export type Booking = z.infer<typeof bookingSchema>;

export const waitlistEntrySchema = z.object({
  id: idSchema,
  eventId: idSchema,
  userId: idSchema,
  quantity: z.int(),
  status: waitlistStatusSchema,
  position: z.int().nullable(),
  offerBookingId: idSchema.nullable(),
  offerExpiresAt: instantSchema.nullable(),
  createdAt: instantSchema,
});
export type WaitlistEntry = z.infer<typeof waitlistEntrySchema>;

export const auditEntrySchema = z.object({
  id: idSchema,
  entity: z.string(),
  entityId: z.string(),
  action: z.string(),
  actorId: idSchema.nullable(),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  at: instantSchema,
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const availabilitySchema = z.object({
  capacity: z.int(),
  confirmed: z.int(),
  held: z.int(),
  available: z.int(),
  waitlistLength: z.int(),
  soldOut: z.boolean(),
});
export type BookingAvailability = z.infer<typeof availabilitySchema>;

export const createBookingInputSchema = z.object({
  eventId: idSchema,
  quantity: quantitySchema,
  idempotencyKey: idempotencyKeySchema.optional(),
});
export const bookingIdInputSchema = z.object({ bookingId: idSchema });
export const cancelBookingInputSchema = z.object({
  bookingId: idSchema,
  reason: textSchema({ min: 1, max: 500 }).optional(),
});
/** Booking lists' sort key: created-at, then id. */
const bookingsSortKeySchema = z.strictObject({ c: instantSchema, i: idSchema });
/** Sort key of the lists in sequence order (audit, waitlist). */
const sequenceSortKeySchema = z.strictObject({ s: sequenceKeySchema });

export const myBookingsInputSchema = keysetPageInputSchema(bookingsSortKeySchema).extend({
  status: bookingStatusSchema.optional(),
});
export const eventBookingsInputSchema = keysetPageInputSchema(bookingsSortKeySchema).extend({
  eventId: idSchema,
  status: bookingStatusSchema.optional(),
});
export const bookingAuditInputSchema = keysetPageInputSchema(sequenceSortKeySchema)
  .extend({ bookingId: idSchema.optional(), eventId: idSchema.optional() })
  .refine((v) => v.bookingId || v.eventId, 'bookingId or eventId is required');
export const eventIdOnlyInputSchema = z.object({ eventId: idSchema });
export const joinWaitlistInputSchema = createBookingInputSchema;
export const leaveWaitlistInputSchema = z.object({ entryId: idSchema });
export const waitlistForEventInputSchema = keysetPageInputSchema(sequenceSortKeySchema).extend({
  eventId: idSchema,
});

export const bookingPageSchema = pageOutputSchema(bookingSchema);
export const auditPageSchema = pageOutputSchema(auditEntrySchema);
export const waitlistPageSchema = pageOutputSchema(waitlistEntrySchema);
