import type { DomainEventPayload } from '@evently/contracts';
import { bookingSummary, seats } from '../booking-summary.js';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { RenderedMail, UserEventContext } from '../mail-template.js';

export const WAITLIST_JOINED_SUBJECT = 'You are on the Evently waitlist';

/** `waitlist.joined`: the entry is queued; seats are offered first come, first served. */
export function waitlistJoinedMail(
  payload: DomainEventPayload<'waitlist.joined'>,
  { recipient, event }: UserEventContext,
): RenderedMail {
  const summary = bookingSummary({ event, quantity: payload.quantity });
  const lines = [
    `You are on the waitlist for ${seats(payload.quantity)}.`,
    'When seats free up they are offered in the order people joined. We will mail you when it is your turn; you then have a limited time to confirm.',
    'You can see your place in the queue, or leave it, in Evently at any time.',
  ];
  return layout({
    subject: WAITLIST_JOINED_SUBJECT,
    to: recipient.email,
    heading: 'You are on the waitlist',
    text: [greeting(recipient.name), ...lines, summary.text].join('\n\n'),
    html: html`<p>${greeting(recipient.name)}</p>
${lines.map((line) => html`<p>${line}</p>`)}
${summary.html}`,
  });
}
