import type { DomainEventPayload } from '@evently/contracts';
import { bookingSummary, seats } from '../booking-summary.js';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { RenderedMail, UserEventContext } from '../mail-template.js';

export const BOOKING_EXPIRED_SUBJECT = 'Your Evently hold has expired';

/** `booking.expired`: a hold (or a waitlist offer) was not confirmed in time. */
export function bookingExpiredMail(
  payload: DomainEventPayload<'booking.expired'>,
  { recipient, event, lines }: UserEventContext,
): RenderedMail {
  const summary = bookingSummary({
    event,
    quantity: payload.quantity,
    lines,
    bookingId: payload.bookingId,
  });
  const paragraphs = [
    `Your hold on ${seats(payload.quantity)} was not confirmed in time, so it expired and the seats were released.`,
    'Nothing was charged. If seats are still available, you can book again in Evently.',
  ];
  return layout({
    subject: BOOKING_EXPIRED_SUBJECT,
    to: recipient.email,
    heading: 'Your hold has expired',
    text: [greeting(recipient.name), ...paragraphs, summary.text].join('\n\n'),
    html: html`<p>${greeting(recipient.name)}</p>
${paragraphs.map((line) => html`<p>${line}</p>`)}
${summary.html}`,
  });
}
