import type { DomainEventPayload } from '@evently/contracts';
import { bookingSummary, seats } from '../booking-summary.js';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { RenderedMail, UserEventContext } from '../mail-template.js';

export const WAITLIST_CLOSED_SUBJECT = 'Your Evently waitlist place was closed';

/**
 * `waitlist.closed` for any reason but the event's cancellation (which sends the one
 * event-cancelled mail instead). The reason is the closer's text: escaped in the HTML.
 */
export function waitlistClosedMail(
  payload: DomainEventPayload<'waitlist.closed'>,
  { recipient, event }: UserEventContext,
): RenderedMail {
  const summary = bookingSummary({ event, quantity: payload.quantity });
  const lead = `The waitlist you were on for ${seats(payload.quantity)} was closed, so no seats will be offered to you.`;
  const reason = payload.reason.trim() ? `Reason given: ${payload.reason.trim()}` : undefined;
  return layout({
    subject: WAITLIST_CLOSED_SUBJECT,
    to: recipient.email,
    heading: 'Your waitlist place was closed',
    text: [greeting(recipient.name), lead, ...(reason ? [reason] : []), summary.text].join('\n\n'),
    html: html`<p>${greeting(recipient.name)}</p>
<p>${lead}</p>
${reason ? html`<p>${reason}</p>` : ''}
${summary.html}`,
  });
}
