import { z } from 'zod';
import { idSchema, instantSchema, textSchema } from './primitives.js';
import { ticketSchema } from './tickets.js';

/** Which tickets a list admits: all the event's types, or some; whether one may come back in. */
export const createCheckinListInputSchema = z.object({
  eventId: idSchema,
  name: textSchema({ min: 1, max: 120 }),
  /** Absent: every ticket type of the event. */
  ticketTypeIds: z
    .array(idSchema)
    .min(1)
    .max(100)
    .refine((ids) => new Set(ids).size === ids.length, 'each type may appear once')
    .optional(),
  allowReentry: z.boolean().default(false),
});
export type CreateCheckinListInput = z.input<typeof createCheckinListInputSchema>;

export const checkinListSchema = z.object({
  id: idSchema,
  eventId: idSchema,
  name: z.string(),
  /** null: every type of the event. */
  ticketTypeIds: z.array(idSchema).nullable(),
  allowReentry: z.boolean(),
  /** Tickets inside now (entered and not left). */
  checkedIn: z.int(),
  /** Valid tickets the list admits. */
  total: z.int(),
  createdAt: instantSchema,
});
export type CheckinList = z.infer<typeof checkinListSchema>;

export const checkinDirections = ['entry', 'exit'] as const;
export const checkinDirectionSchema = z.enum(checkinDirections);
export type CheckinDirection = z.infer<typeof checkinDirectionSchema>;

/** A scanner's id for one scan: the same nonce again is the same scan (answered alike, counted once). */
export const checkinNonceSchema = z
  .string()
  .min(8)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/);
/** Where a scan happened (a door, a scanner). */
export const gateSchema = textSchema({ min: 1, max: 60 });

export const redeemInputSchema = z.object({
  listId: idSchema,
  /**
   * The ticket's code as scanned: printable ASCII (anything else is not a scan of ours, and is
   * bad input); printable text that is not a code of ours is answered `invalid`.
   */
  code: z
    .string()
    .min(1)
    .max(2_048)
    .regex(/^[\x20-\x7e]+$/, 'is not a scanned code: printable ASCII only'),
  nonce: checkinNonceSchema,
  direction: checkinDirectionSchema.default('entry'),
  gate: gateSchema.optional(),
});
export type RedeemInput = z.input<typeof redeemInputSchema>;

export const checkinResults = [
  'ok',
  'already_in',
  'not_in',
  'invalid',
  'void',
  'wrong_event',
  'wrong_list',
] as const;
export const checkinResultSchema = z.enum(checkinResults);
export type CheckinResult = z.infer<typeof checkinResultSchema>;

export const redeemResultSchema = z.object({
  result: checkinResultSchema,
  /** The ticket the code names, when it is one of the event's. */
  ticket: ticketSchema.optional(),
  /** `already_in`: when and where it came in. */
  firstScan: z.object({ at: instantSchema, gate: z.string().nullable() }).optional(),
});
export type RedeemResult = z.infer<typeof redeemResultSchema>;

export const checkinListIdInputSchema = z.object({ listId: idSchema });
export const checkinListsInputSchema = z.object({ eventId: idSchema });

/** `checkin.search`: attendees of a list by name, email or ticket id (at least 2 characters). */
export const checkinSearchInputSchema = z.object({
  listId: idSchema,
  q: textSchema({ min: 2, max: 100 }),
});
export const checkinAttendeeSchema = z.object({
  ticket: ticketSchema,
  name: z.string(),
  email: z.string(),
  ticketTypeName: z.string(),
  /** Entered and not left, on this list. */
  inside: z.boolean(),
});
export type CheckinAttendee = z.infer<typeof checkinAttendeeSchema>;

/** A public key ticket codes are verified with (an Ed25519 JWK: jose's `JWK` accepts it). */
export const ticketPublicKeySchema = z.object({
  kty: z.string(),
  crv: z.string(),
  x: z.string(),
  kid: z.string(),
  alg: z.string(),
  use: z.string(),
});
/** The public keys, as /.well-known/evently/ticket-keys.json serves them (a JWKS). */
export const ticketKeySetSchema = z.object({ keys: z.array(ticketPublicKeySchema) });
export type TicketKeySet = z.infer<typeof ticketKeySetSchema>;

/** What an offline scanner takes to the door: the list, the keys, and every ticket's state. */
export const checkinExportSchema = z.object({
  list: checkinListSchema,
  keys: ticketKeySetSchema,
  tickets: z.array(
    z.object({
      id: idSchema,
      ticketTypeId: idSchema,
      status: z.enum(['valid', 'void']),
      /** Entered and not left, on this list. */
      inside: z.boolean(),
      /** Entered at least once (on a list without re-entry, it may not come in again). */
      entered: z.boolean(),
    }),
  ),
  exportedAt: instantSchema,
});
export type CheckinExport = z.infer<typeof checkinExportSchema>;

/** A scan an offline scanner made, with its own time. */
export const offlineScanSchema = z.object({
  code: redeemInputSchema.shape.code,
  nonce: checkinNonceSchema,
  at: instantSchema,
  direction: checkinDirectionSchema.default('entry'),
  gate: gateSchema.optional(),
});
export const checkinSyncInputSchema = z.object({
  listId: idSchema,
  scans: z.array(offlineScanSchema).min(1).max(1_000),
});
export type CheckinSyncInput = z.input<typeof checkinSyncInputSchema>;
export const checkinSyncResultSchema = z.object({
  results: z.array(redeemResultSchema.extend({ nonce: z.string() })),
});
export type CheckinSyncResult = z.infer<typeof checkinSyncResultSchema>;
