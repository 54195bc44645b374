import type { DomainEventPayload } from '@evently/contracts';
import { bookingSummary, seats, seatText } from '../booking-summary.js';
import { html, type SafeHtml } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { MailTicketImage, RenderedMail, UserEventContext } from '../mail-template.js';

export const BOOKING_CONFIRMED_SUBJECT = 'Your Evently booking is confirmed';

/** "Ticket 2 of 3 · Stalls — Section A, Row 2: 5" (the names are the organizer's). */
function ticketCaption(ticket: MailTicketImage, index: number, count: number): string {
  const place = ticket.seat ? ` — ${seatText([ticket.seat])}` : '';
  return `Ticket ${index + 1} of ${count} · ${ticket.name}${place}`;
}

/**
 * Each ticket's QR code, shown by its inline image (`cid:`), with what it is for. A phone shows
 * the mail at the door; 240 px keeps every module several pixels wide for a scanner.
 */
function ticketsPart(tickets: readonly MailTicketImage[] | undefined): {
  text: string;
  html: SafeHtml;
} {
  if (!tickets?.length) {
    const text = 'Your tickets, with the QR codes to show at the door, are in Evently.';
    return { text, html: html`<p>${text}</p>` };
  }
  const lead = 'Show each ticket’s QR code at the door (one per person; a screen is fine).';
  const captions = tickets.map((t, i) => ticketCaption(t, i, tickets.length));
  return {
    text: [`${lead} The codes are in this mail’s HTML version and in Evently.`, ...captions].join(
      '\n',
    ),
    html: html`<p>${lead}</p>
${tickets.map(
  (t, i) => html`<p style="text-align:center;margin:16px 0;">
<img src="cid:${t.contentId}" width="240" height="240" alt="QR code of ticket ${i + 1}" style="display:block;margin:0 auto 8px;">
${captions[i] ?? ''}
</p>
`,
)}`,
  };
}

/** `booking.confirmed`: a free booking, a confirmed hold or a confirmed waitlist offer. */
export function bookingConfirmedMail(
  payload: DomainEventPayload<'booking.confirmed'>,
  { recipient, event, lines, tickets }: UserEventContext,
): RenderedMail {
  const summary = bookingSummary({
    event,
    quantity: payload.quantity,
    lines,
    total: { cents: payload.totalCents, currency: payload.currency },
    bookingId: payload.bookingId,
  });
  const lead = `Your booking of ${seats(payload.quantity)} is confirmed. See you there!`;
  const after = 'If your plans change, you can cancel the booking in Evently.';
  const ticketsText = ticketsPart(tickets);
  return layout({
    subject: BOOKING_CONFIRMED_SUBJECT,
    to: recipient.email,
    heading: 'Your booking is confirmed',
    text: [greeting(recipient.name), lead, summary.text, ticketsText.text, after].join('\n\n'),
    html: html`<p>${greeting(recipient.name)}</p>
<p>${lead}</p>
${summary.html}
${ticketsText.html}
<p>${after}</p>`,
  });
}
