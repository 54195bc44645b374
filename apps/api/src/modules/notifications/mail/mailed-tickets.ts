import type { Database } from '@evently/db';
import type { MailAttachment } from '@evently/platform';
import type { Transaction } from 'kysely';
import type { MailTicketImage } from './mail-template.js';

/** A ticket as its booking's confirmation mail shows it: what it is for, and its QR image. */
export interface MailedTicket {
  ticketId: string;
  /** Its ticket type's name (the organizer's: escaped in the HTML). */
  name: string;
  seat?: { section: string; row: string; label: string };
  /** The QR code of its signed code, as PNG bytes. */
  qrPng: Buffer;
}

/**
 * What the confirmation mail needs of the tickets module (wired in the composition root, so
 * notifications import no tickets code).
 */
export interface MailedTickets {
  /**
   * The valid tickets of a booking that is confirmed now, in its lines' order. Issued here, in
   * the mail's transaction, when the tickets consumer has not done it yet (issuing is keyed by
   * unit, so both may run): the mail never goes out without them.
   */
  ofConfirmedBooking(trx: Transaction<Database>, bookingId: string): Promise<MailedTicket[]>;
}

/**
 * Most tickets one mail carries inline (about 2 KB of PNG each): a larger booking's mail points
 * to its tickets in Evently instead of growing past what mail servers accept.
 */
export const MAX_INLINE_TICKETS = 50;

/**
 * The tickets as the template shows them and the attachments their images travel in, matched
 * by Content-ID (`ticket-<id>@evently`). Undefined for none, or for more than fit one mail.
 */
export function inlineTickets(
  tickets: readonly MailedTicket[],
): { images: MailTicketImage[]; attachments: MailAttachment[] } | undefined {
  if (tickets.length === 0 || tickets.length > MAX_INLINE_TICKETS) return undefined;
  const shown = tickets.map((ticket, index) => ({
    ticket,
    index,
    contentId: `ticket-${ticket.ticketId}@evently`,
  }));
  return {
    images: shown.map(({ ticket, contentId }) => ({
      contentId,
      name: ticket.name,
      ...(ticket.seat && { seat: ticket.seat }),
    })),
    attachments: shown.map(({ ticket, index, contentId }) => ({
      filename: `ticket-${index + 1}.png`,
      contentType: 'image/png',
      contentId,
      contentBase64: ticket.qrPng.toString('base64'),
    })),
  };
}
