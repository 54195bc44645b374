import type { DomainEventPayload } from '@evently/contracts';
import { bookingSummary, seats } from '../booking-summary.js';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { RenderedMail, UserEventContext } from '../mail-template.js';

export const BOOKING_CANCELLED_SUBJECT = 'Your Evently booking was cancelled';

/**
 * `booking.cancelled`: by its owner, the organizer, an admin or the event's cancellation. The
 * reason is free text from whoever cancelled, so it is shown (escaped) as theirs.
 */
export function bookingCancelledMail(
  payload: DomainEventPayload<'booking.cancelled'>,
  { recipient, event, lines }: UserEventContext,
): RenderedMail {
  const summary = bookingSummary({
    event,
    quantity: payload.quantity,
    lines,
    total: { cents: payload.totalCents, currency: payload.currency },
    bookingId: payload.bookingId,
  });
  const what = payload.previousStatus === 'pending' ? 'hold on' : 'booking of';
  const lead = `Your ${what} ${seats(payload.quantity)} was cancelled and the seats were released.`;
  const reason = payload.reason?.trim() ? `Reason given: ${payload.reason.trim()}` : undefined;
  return layout({
    subject: BOOKING_CANCELLED_SUBJECT,
    to: recipient.email,
    heading: 'Your booking was cancelled',
    text: [greeting(recipient.name), lead, ...(reason ? [reason] : []), summary.text].join('\n\n'),
    html: html`<p>${greeting(recipient.name)}</p>
<p>${lead}</p>
${reason ? html`<p>${reason}</p>` : ''}
${summary.html}`,
  });
}
