import { z } from 'zod';
import { voucherCodeSchema } from './bookings.js';
import { MAX_CAPACITY } from './events.js';
import { idSchema, instantSchema, priceCentsSchema, textSchema } from './primitives.js';

// Ticket types and quotas (API.md Part 2, "ticket types, quotas, booking items"): what an event
// sells, and the limits its types share.

export const ticketTypeStatuses = ['active', 'archived'] as const;
export const ticketTypeStatusSchema = z.enum(ticketTypeStatuses);
export type TicketTypeStatus = z.infer<typeof ticketTypeStatusSchema>;

/** The fields of a ticket type an organizer sets, each bounded on its own. */
export const ticketTypeFieldsSchema = z.object({
  name: textSchema({ min: 1, max: 120 }),
  description: textSchema({ max: 2_000, multiline: true }),
  priceCents: priceCentsSchema.max(100_000_000),
  minPerBooking: z.int().min(1).max(100),
  maxPerBooking: z.int().min(1).max(100),
  /** Its own sales window, [salesStartAt, salesEndAt); null: the event's. */
  salesStartAt: instantSchema.nullable(),
  salesEndAt: instantSchema.nullable(),
  /** Sold (and listed) only with a voucher that unlocks it, or to the organization's members. */
  hidden: z.boolean(),
});
export type TicketTypeFields = z.infer<typeof ticketTypeFieldsSchema>;

const ms = (iso: string) => new Date(iso).getTime();

/** The rules between fields, for a whole type (a create, or an update merged with the stored type). */
export function checkTicketTypeRules(
  type: Pick<TicketTypeFields, 'minPerBooking' | 'maxPerBooking' | 'salesStartAt' | 'salesEndAt'>,
  ctx: z.RefinementCtx,
): void {
  if (type.maxPerBooking < type.minPerBooking) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxPerBooking'],
      message: 'cannot be below minPerBooking',
    });
  }
  if (type.salesStartAt && type.salesEndAt && ms(type.salesEndAt) <= ms(type.salesStartAt)) {
    ctx.addIssue({ code: 'custom', path: ['salesEndAt'], message: 'must be after salesStartAt' });
  }
}

export const ticketTypeRulesSchema = ticketTypeFieldsSchema.superRefine(checkTicketTypeRules);

/** A quota's size: 0 (nothing of its types sells) to the largest event. */
export const quotaSizeSchema = z.int().min(0).max(MAX_CAPACITY);

/** `capacity` is a shortcut: it also makes a quota of that size for this type alone. */
export const createTicketTypeInputSchema = ticketTypeFieldsSchema
  .extend({
    eventId: idSchema,
    description: ticketTypeFieldsSchema.shape.description.default(''),
    minPerBooking: ticketTypeFieldsSchema.shape.minPerBooking.default(1),
    maxPerBooking: ticketTypeFieldsSchema.shape.maxPerBooking.optional(),
    salesStartAt: ticketTypeFieldsSchema.shape.salesStartAt.default(null),
    salesEndAt: ticketTypeFieldsSchema.shape.salesEndAt.default(null),
    hidden: ticketTypeFieldsSchema.shape.hidden.default(false),
    capacity: quotaSizeSchema.optional(),
  })
  // The default of 10 per booking never falls below a larger minimum.
  .transform(({ maxPerBooking, ...rest }) => ({
    ...rest,
    maxPerBooking: maxPerBooking ?? Math.max(10, rest.minPerBooking),
  }))
  .superRefine(checkTicketTypeRules);
export type CreateTicketTypeInput = z.input<typeof createTicketTypeInputSchema>;

export const updateTicketTypeInputSchema = z.object({
  id: idSchema,
  expectedVersion: z.int().min(1),
  patch: ticketTypeFieldsSchema
    .partial()
    .refine((p) => Object.keys(p).length > 0, 'patch is empty'),
});
export type UpdateTicketTypeInput = z.input<typeof updateTicketTypeInputSchema>;

export const ticketTypeIdInputSchema = z.object({ id: idSchema });

/**
 * `voucherCode`: a code of the event that unlocks hidden types lists those it applies to
 * (members of the organization who see its drafts, and admins, see every type).
 */
export const listTicketTypesInputSchema = z.object({
  eventId: idSchema,
  voucherCode: voucherCodeSchema.optional(),
});

export const ticketTypeSchema = ticketTypeFieldsSchema.extend({
  id: idSchema,
  eventId: idSchema,
  /** The event's currency. */
  currency: z.string(),
  status: ticketTypeStatusSchema,
  version: z.int(),
  /**
   * Seats of this type on sale now: the least of the event's free seats and each of its quotas'
   * (none while anyone waits for the event; none for an archived type or an event not on sale).
   */
  availability: z.object({ available: z.int(), soldOut: z.boolean() }),
});
export type TicketType = z.infer<typeof ticketTypeSchema>;
export const ticketTypeListSchema = z.array(ticketTypeSchema);

/** The types a quota caps: each once, all of the quota's event. */
export const quotaTicketTypeIdsSchema = z
  .array(idSchema)
  .max(100)
  .refine((ids) => new Set(ids).size === ids.length, 'each ticket type may appear once');

export const createQuotaInputSchema = z.object({
  eventId: idSchema,
  name: textSchema({ min: 1, max: 120 }),
  size: quotaSizeSchema,
  ticketTypeIds: quotaTicketTypeIdsSchema,
});
export type CreateQuotaInput = z.input<typeof createQuotaInputSchema>;

export const updateQuotaInputSchema = z
  .object({
    id: idSchema,
    expectedVersion: z.int().min(1),
    name: textSchema({ min: 1, max: 120 }).optional(),
    size: quotaSizeSchema.optional(),
    ticketTypeIds: quotaTicketTypeIdsSchema.optional(),
  })
  .refine(
    (v) => v.name !== undefined || v.size !== undefined || v.ticketTypeIds !== undefined,
    'nothing to change: give name, size or ticketTypeIds',
  );
export type UpdateQuotaInput = z.input<typeof updateQuotaInputSchema>;

export const quotaIdInputSchema = z.object({ id: idSchema });
export const listQuotasInputSchema = z.object({ eventId: idSchema });

export const quotaSchema = z.object({
  id: idSchema,
  eventId: idSchema,
  name: z.string(),
  size: z.int(),
  ticketTypeIds: z.array(idSchema),
  /** Seats of its types in confirmed and in pending bookings. */
  confirmed: z.int(),
  held: z.int(),
  /** size - confirmed - held. */
  available: z.int(),
  /** Moves with every change, a booking's seats included. */
  version: z.int(),
});
export type Quota = z.infer<typeof quotaSchema>;
export const quotaListSchema = z.array(quotaSchema);
