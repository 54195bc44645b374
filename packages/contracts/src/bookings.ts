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

/** A reserved seat of a booking, as a ticket prints it: the section's name, the row's label. */
export const bookedSeatSchema = z.object({
  seatId: idSchema,
  section: z.string(),
  row: z.string(),
  label: z.string(),
});
export type BookedSeat = z.infer<typeof bookedSeatSchema>;

/** A line of a booking: `quantity` seats of a ticket type; total = unit * quantity - discount. */
export const bookingItemSchema = z.object({
  ticketTypeId: idSchema,
  /** The ticket type's name. */
  name: z.string(),
  quantity: z.int(),
  unitPriceCents: z.int(),
  discountCents: z.int(),
  totalCents: z.int(),
  /** Its seats, for a type sold with reserved seats (one per ticket). */
  seats: z.array(bookedSeatSchema).optional(),
});
export type BookingItem = z.infer<typeof bookingItemSchema>;

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
  /** Its lines in order: `quantity` is their quantities' sum, `totalCents` their totals'. */
  items: z.array(bookingItemSchema),
  /** The voucher code it was booked with (lower-cased), or null. */
  voucherCode: z.string().nullable(),
});
export type Booking = z.infer<typeof bookingSchema>;

export const waitlistEntrySchema = z.object({
  id: idSchema,
  eventId: idSchema,
  /** The type it waits for: each ticket type has its own line. */
  ticketTypeId: idSchema,
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
  /** The person who made the change (null: Evently itself, or an API key). */
  actorId: idSchema.nullable(),
  /** The API key the change was made with, if one was. */
  actorApiKeyId: idSchema.nullable(),
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
  /** Per ticket type on sale (public, active, in its window): what a newcomer can book now. */
  ticketTypes: z.array(
    z.object({
      ticketTypeId: idSchema,
      available: z.int(),
      soldOut: z.boolean(),
      /** Entries waiting in its line. */
      waiting: z.int(),
    }),
  ),
});
export type BookingAvailability = z.infer<typeof availabilitySchema>;

/** A voucher code as typed: letters, digits, - and _ (case-insensitive). */
export const voucherCodeSchema = z
  .string()
  .trim()
  .min(3)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/);

/**
 * A line of an order. For a type sold with reserved seats: `seatIds` books exactly those seats
 * (one per ticket, all or none); without them the best available ones are chosen, together in
 * one row unless `together` is false.
 */
export const orderItemInputSchema = z
  .object({
    ticketTypeId: idSchema,
    quantity: quantitySchema,
    seatIds: z
      .array(idSchema)
      .min(1)
      .max(100)
      .refine((ids) => new Set(ids).size === ids.length, 'each seat may appear once')
      .optional(),
    together: z.boolean().optional(),
  })
  .refine((i) => i.seatIds === undefined || i.seatIds.length === i.quantity, {
    message: 'name one seat per ticket',
    path: ['seatIds'],
  })
  .refine((i) => i.seatIds === undefined || i.together === undefined, {
    message: 'together is for seats chosen for you, not for named seats',
    path: ['together'],
  });

/**
 * `items` (one per ticket type), or `quantity` alone: the event's only on-sale type that is not
 * hidden (Part 1's call). A booking is all or nothing.
 */
export const createBookingInputSchema = z
  .object({
    eventId: idSchema,
    items: z.array(orderItemInputSchema).min(1).max(20).optional(),
    quantity: quantitySchema.optional(),
    voucherCode: voucherCodeSchema.optional(),
    idempotencyKey: idempotencyKeySchema.optional(),
  })
  .refine((v) => (v.items === undefined) !== (v.quantity === undefined), {
    message: 'give items or quantity, not both',
    path: ['quantity'],
  })
  .refine((v) => new Set(v.items?.map((i) => i.ticketTypeId)).size === (v.items?.length ?? 0), {
    message: 'one item per ticket type',
    path: ['items'],
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
/** The line of `ticketTypeId`, or of the event's only on-sale public type when absent. */
export const joinWaitlistInputSchema = z.object({
  eventId: idSchema,
  ticketTypeId: idSchema.optional(),
  quantity: quantitySchema,
  idempotencyKey: idempotencyKeySchema.optional(),
});
export const leaveWaitlistInputSchema = z.object({ entryId: idSchema });
export const waitlistForEventInputSchema = keysetPageInputSchema(sequenceSortKeySchema).extend({
  eventId: idSchema,
});

export const bookingPageSchema = pageOutputSchema(bookingSchema);
export const auditPageSchema = pageOutputSchema(auditEntrySchema);
export const waitlistPageSchema = pageOutputSchema(waitlistEntrySchema);
