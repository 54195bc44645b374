import type { DomainEventPayload } from '@evently/contracts';
import { bookingSummary, seats } from '../booking-summary.js';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { RenderedMail, UserEventContext } from '../mail-template.js';

export const BOOKING_CONFIRMED_SUBJECT = 'Your Evently booking is confirmed';

/** `booking.confirmed`: a free booking, a confirmed hold or a confirmed waitlist offer. */
export function bookingConfirmedMail(
  payload: DomainEventPayload<'booking.confirmed'>,
  { recipient, event, lines }: UserEventContext,
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
  return layout({
    subject: BOOKING_CONFIRMED_SUBJECT,
    to: recipient.email,
    heading: 'Your booking is confirmed',
    text: [greeting(recipient.name), lead, summary.text, after].join('\n\n'),
    html: html`<p>${greeting(recipient.name)}</p>
<p>${lead}</p>
${summary.html}
<p>${after}</p>`,
  });
}
