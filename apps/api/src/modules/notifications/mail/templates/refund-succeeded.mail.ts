import type { DomainEventPayload } from '@evently/contracts';
import { bookingSummary } from '../booking-summary.js';
import { formatAmount } from '../format-money.js';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { RenderedMail, UserEventContext } from '../mail-template.js';

export const REFUND_SUCCEEDED_SUBJECT = 'Your Evently refund has been paid';

/**
 * `refund.succeeded`: Stripe or the organizer paid the refund back. The reference (Stripe's, or
 * typed by a manager) is shown as text, escaped in the HTML.
 */
export function refundSucceededMail(
  payload: DomainEventPayload<'refund.succeeded'>,
  { recipient, event }: UserEventContext,
): RenderedMail {
  const amount = formatAmount(payload.amountCents, payload.currency);
  const reference = payload.reference.trim();
  const summary = bookingSummary({
    event,
    facts: [['Refunded', amount], ...(reference ? [['Reference', reference] as const] : [])],
    bookingId: payload.bookingId,
  });
  const paragraphs = [
    `Your refund of ${amount} has been paid.`,
    reference
      ? 'A refund to a card can take some days to show on your statement; quote the reference below if you ask your bank about it.'
      : 'A refund to a card can take some days to show on your statement.',
  ];
  return layout({
    subject: REFUND_SUCCEEDED_SUBJECT,
    to: recipient.email,
    heading: 'Your refund has been paid',
    text: [greeting(recipient.name), ...paragraphs, summary.text].join('\n\n'),
    html: html`<p>${greeting(recipient.name)}</p>
${paragraphs.map((line) => html`<p>${line}</p>`)}
${summary.html}`,
  });
}
