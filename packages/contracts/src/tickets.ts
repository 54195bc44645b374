import { z } from 'zod';
import { bookedSeatSchema } from './bookings.js';
import { keysetPageInputSchema, pageOutputSchema } from './pagination.js';
import { idSchema, instantSchema } from './primitives.js';

export const ticketStatuses = ['valid', 'void'] as const;
export const ticketStatusSchema = z.enum(ticketStatuses);
export type TicketStatus = z.infer<typeof ticketStatusSchema>;

/**
 * One admission: a confirmed booking has one per seat or unit; cancelling it voids them. `code`
 * is a compact JWS (EdDSA, Ed25519) of `{ tid, eid, tt, seat? }` that a gate verifies offline
 * with the public keys at `/.well-known/evently/ticket-keys.json` (a JWKS, by `kid`).
 */
export const ticketSchema = z.object({
  id: idSchema,
  bookingId: idSchema,
  eventId: idSchema,
  ticketTypeId: idSchema,
  seat: bookedSeatSchema.optional(),
  status: ticketStatusSchema,
  code: z.string(),
  issuedAt: instantSchema,
});
export type Ticket = z.infer<typeof ticketSchema>;

/** The payload a ticket's code signs. */
export const ticketClaimsSchema = z.object({
  /** The ticket's id. */
  tid: idSchema,
  /** Its event's id. */
  eid: idSchema,
  /** Its ticket type's id. */
  tt: idSchema,
  /** Its seat's id, for a reserved seat. */
  seat: idSchema.optional(),
});
export type TicketClaims = z.infer<typeof ticketClaimsSchema>;

/** Tickets lists' sort key: issued-at, then id. */
const ticketsSortKeySchema = z.strictObject({ c: instantSchema, i: idSchema });

export const myTicketsInputSchema = keysetPageInputSchema(ticketsSortKeySchema).extend({
  eventId: idSchema.optional(),
});
export const ticketPageSchema = pageOutputSchema(ticketSchema);

export const ticketQrFormats = ['svg', 'png'] as const;
export const ticketQrInputSchema = z.object({
  ticketId: idSchema,
  format: z.enum(ticketQrFormats).default('svg'),
});
export type TicketQrInput = z.input<typeof ticketQrInputSchema>;

/** A ticket's QR code: an SVG document as text, or a PNG as base64. */
export const ticketQrSchema = z.object({
  contentType: z.enum(['image/svg+xml', 'image/png']),
  body: z.string(),
});
export type TicketQr = z.infer<typeof ticketQrSchema>;
