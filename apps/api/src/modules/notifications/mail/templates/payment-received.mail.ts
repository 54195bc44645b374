import type { DomainEventPayload } from '@evently/contracts';
import { bookingSummary } from '../booking-summary.js';
import { formatAmount } from '../format-money.js';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { RenderedMail, UserEventContext } from '../mail-template.js';

export const PAYMENT_RECEIVED_SUBJECT = 'Your Evently payment receipt';

type PaymentMethod = DomainEventPayload<'payment.received'>['method'];

const methodNames: { readonly [M in PaymentMethod]: string } = {
  cash: 'cash',
  transfer: 'bank transfer',
  card: 'card',
  other: 'other',
};

/**
 * `payment.received`: the buyer's receipt. It does not say the booking is confirmed: a payment
 * that came too late is recorded (and refunded, in a mail of its own) all the same. The
 * reference is typed by a manager or comes from Stripe: shown as text, escaped in the HTML.
 */
export function paymentReceivedMail(
  payload: DomainEventPayload<'payment.received'>,
  { recipient, event, lines }: UserEventContext,
): RenderedMail {
  const amount = formatAmount(payload.amountCents, payload.currency);
  const reference = payload.reference.trim();
  const summary = bookingSummary({
    event,
    lines,
    facts: [
      ['Paid', amount],
      ['Method', methodNames[payload.method]],
      ...(reference ? [['Reference', reference] as const] : []),
    ],
    bookingId: payload.bookingId,
  });
  const lead = `We received your payment of ${amount}. Thank you! This mail is your receipt.`;
  const after = 'Keep this mail for your records.';
  return layout({
    subject: PAYMENT_RECEIVED_SUBJECT,
    to: recipient.email,
    heading: 'Payment received',
    text: [greeting(recipient.name), lead, summary.text, after].join('\n\n'),
    html: html`<p>${greeting(recipient.name)}</p>
<p>${lead}</p>
${summary.html}
<p>${after}</p>`,
  });
}
