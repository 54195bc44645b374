import { bookingSummary, seats } from '../booking-summary.js';
import { formatMoney } from '../format-money.js';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { MailEventInfo, MailRecipient, RenderedMail } from '../mail-template.js';

export const EVENT_CANCELLED_SUBJECT = 'Your Evently event was cancelled';
/** Its name in sent_emails (stable: part of the key that sends it once). */
export const EVENT_CANCELLED_TEMPLATE = 'event-cancelled';

/** A booking the cancellation ended. */
export interface CancelledBooking {
  bookingId: string;
  quantity: number;
  totalCents: number;
  currency: string;
  /** Confirmed before (a booking), or only held (a hold or a waitlist offer). */
  wasConfirmed: boolean;
}

export interface EventCancelledInput {
  recipient: MailRecipient;
  event: MailEventInfo;
  /** The organizer's reason, free text. */
  reason: string;
  bookings: readonly CancelledBooking[];
  /** Seats of each waitlist entry the cancellation closed. */
  waitlist: readonly { quantity: number }[];
}

/** One line per booking, hold and waitlist entry the person lost. */
function losses(input: EventCancelledInput): string[] {
  const lines = input.bookings.map((b) =>
    b.wasConfirmed
      ? `Your booking of ${seats(b.quantity)} (${formatMoney(b.totalCents, b.currency)}, booking ${b.bookingId}) is cancelled.`
      : `Your hold on ${seats(b.quantity)} (booking ${b.bookingId}) is released.`,
  );
  for (const entry of input.waitlist) {
    lines.push(`Your place on the waitlist for ${seats(entry.quantity)} is closed.`);
  }
  return lines;
}

/**
 * The one mail each attendee and each waiter gets when an event is cancelled, however many
 * bookings, holds and waitlist entries they had: every booking.cancelled and waitlist.closed the
 * cancellation causes leads here, and the mail's key (the event, the person, this template) lets
 * only the first through. Title, venue and reason come from the organizer: escaped in the HTML.
 */
export function eventCancelledMail(input: EventCancelledInput): RenderedMail {
  const { recipient, event } = input;
  const lead = `The organizer cancelled ${event.title}. It will not take place.`;
  const reason = input.reason.trim() ? `Reason given: ${input.reason.trim()}` : undefined;
  const lines = losses(input);
  const after =
    'There is nothing you need to do: your seats are released and your waitlist places closed.';
  const summary = bookingSummary({ event });
  return layout({
    subject: EVENT_CANCELLED_SUBJECT,
    to: recipient.email,
    heading: 'The event was cancelled',
    text: [
      greeting(recipient.name),
      lead,
      ...(reason ? [reason] : []),
      ...(lines.length > 0 ? [lines.join('\n')] : []),
      after,
      summary.text,
    ].join('\n\n'),
    html: html`<p>${greeting(recipient.name)}</p>
<p>${lead}</p>
${reason ? html`<p>${reason}</p>` : ''}
${lines.length > 0 ? html`<ul>${lines.map((line) => html`<li>${line}</li>`)}</ul>` : ''}
<p>${after}</p>
${summary.html}`,
  });
}
