import type { DomainEventPayload } from '@evently/contracts';
import { bookingSummary } from '../booking-summary.js';
import { formatAmount } from '../format-money.js';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { MailEventInfo, RenderedMail, UserEventContext } from '../mail-template.js';

export const REFUND_REQUESTED_SUBJECT = 'Your Evently refund is on its way';

type RefundRequested = DomainEventPayload<'refund.requested'>;

/** Why the money comes back, in the buyer's words; one sentence per cause. */
function why(payload: RefundRequested, event: MailEventInfo): string {
  const fee = formatAmount(payload.feeCents, payload.currency);
  const kept = payload.feeCents > 0;
  switch (payload.cause) {
    case 'attendee_cancelled':
      return kept
        ? `You cancelled your booking: you get back what you paid minus the cancellation fee of ${fee} that the event's cancellation policy keeps.`
        : 'You cancelled your booking: you get back everything you paid.';
    case 'organizer_cancelled':
      return 'The organizer cancelled your booking: you get back everything you paid.';
    case 'event_cancelled':
      return `The organizer cancelled ${event.title}: everything you paid for it is refunded in full.`;
    case 'late_payment':
      return 'Your payment arrived after your hold had expired and the seats were no longer available; it is refunded in full — money is never kept for a seat that was not sold.';
    case 'duplicate_payment':
      return 'You paid for this booking more than once: the extra payment is refunded in full. Your booking itself stays as it is.';
  }
}

/** When the buyer sees the money: the card provider's own delay, or the organizer's hand. */
function when(payload: RefundRequested): string {
  return payload.provider === 'stripe'
    ? 'The refund goes back through the card provider, to the card you paid with: it can take some days (often 5 to 10 business days) to show on your statement.'
    : 'The organizer pays it back to you directly (a refund to a card takes some days to arrive); we will mail you once it is paid.';
}

/**
 * `refund.requested`: a refund was recorded for the buyer, whatever caused it. Also sent when
 * the event was cancelled (the event-cancelled mail carries no amounts). The reason is free
 * text from the organizer: shown (escaped) only for the cancellations they made.
 */
export function refundRequestedMail(
  payload: RefundRequested,
  { recipient, event }: UserEventContext,
): RenderedMail {
  const amount = formatAmount(payload.amountCents, payload.currency);
  const byOrganizer =
    payload.cause === 'organizer_cancelled' || payload.cause === 'event_cancelled';
  const reason =
    byOrganizer && payload.reason.trim() ? `Reason given: ${payload.reason.trim()}` : undefined;
  const summary = bookingSummary({
    event,
    facts: [
      ['Refund', amount],
      ...(payload.feeCents > 0
        ? [['Fee kept', formatAmount(payload.feeCents, payload.currency)] as const]
        : []),
    ],
    bookingId: payload.bookingId,
  });
  const paragraphs = [
    `A refund of ${amount} is on its way to you.`,
    why(payload, event),
    ...(reason ? [reason] : []),
    when(payload),
  ];
  return layout({
    subject: REFUND_REQUESTED_SUBJECT,
    to: recipient.email,
    heading: 'Your refund is on its way',
    text: [greeting(recipient.name), ...paragraphs, summary.text].join('\n\n'),
    html: html`<p>${greeting(recipient.name)}</p>
${paragraphs.map((line) => html`<p>${line}</p>`)}
${summary.html}`,
  });
}
