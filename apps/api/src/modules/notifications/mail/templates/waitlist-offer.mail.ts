import type { DomainEventPayload } from '@evently/contracts';
import { bookingSummary, seats } from '../booking-summary.js';
import { formatUtc } from '../format-instant.js';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { RenderedMail, UserEventContext } from '../mail-template.js';

export const WAITLIST_OFFER_SUBJECT = 'Seats are waiting for you on Evently';

/** `waitlist.offered`: the head of the queue holds seats until the deadline. */
export function waitlistOfferMail(
  payload: DomainEventPayload<'waitlist.offered'>,
  { recipient, event, lines }: UserEventContext,
): RenderedMail {
  const deadline = formatUtc(payload.offerExpiresAt);
  const summary = bookingSummary({
    event,
    quantity: payload.quantity,
    lines,
    bookingId: payload.bookingId,
  });
  const lead = `Good news: ${seats(payload.quantity)} freed up and are now held for you.`;
  const unless =
    'If you do not confirm by then, the offer lapses and the seats go to the next person on the waitlist.';
  return layout({
    subject: WAITLIST_OFFER_SUBJECT,
    to: recipient.email,
    heading: 'Your waitlist seats are ready',
    text: [
      greeting(recipient.name),
      lead,
      `Confirm the booking in Evently before ${deadline} (${payload.offerExpiresAt}).`,
      unless,
      summary.text,
    ].join('\n\n'),
    html: html`<p>${greeting(recipient.name)}</p>
<p>${lead}</p>
<p><strong>Confirm the booking in Evently before <time datetime="${payload.offerExpiresAt}">${deadline}</time>.</strong></p>
<p>${unless}</p>
${summary.html}`,
  });
}
