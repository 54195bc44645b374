import type { DomainEventPayload } from '@evently/contracts';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { RenderedMail } from '../mail-template.js';

export const WELCOME_SUBJECT = 'Welcome to Evently';

/** `user.email_verified`: the account is ready to sign in. */
export function welcomeMail(payload: DomainEventPayload<'user.email_verified'>): RenderedMail {
  const lines = [
    'Your email address is verified and your Evently account is ready.',
    'Sign in to browse events, book seats, or join a waitlist when an event is sold out.',
  ];
  return layout({
    subject: WELCOME_SUBJECT,
    to: payload.email,
    heading: 'Welcome to Evently',
    text: [greeting(payload.name), ...lines].join('\n\n'),
    html: html`<p>${greeting(payload.name)}</p>
${lines.map((line) => html`<p>${line}</p>`)}`,
  });
}
