import type { DomainEventPayload } from '@evently/contracts';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { RenderedMail } from '../mail-template.js';

export const ALREADY_REGISTERED_SUBJECT = 'You already have an Evently account';

/**
 * `user.registration_attempted`: someone registered with an address that already has an account.
 * Register answers the same either way (no enumeration); only the owner learns it here. No code.
 */
export function alreadyRegisteredMail(
  payload: DomainEventPayload<'user.registration_attempted'>,
): RenderedMail {
  const lines = [
    'Someone — hopefully you — just tried to create an Evently account with this email address.',
    'You already have an account, so nothing was created and nothing changed.',
    'You can sign in as usual. If you forgot your password, use "Forgot password" to get a reset code.',
    'If this was not you, you can ignore this mail: your account is safe.',
  ];
  return layout({
    subject: ALREADY_REGISTERED_SUBJECT,
    to: payload.email,
    heading: 'You already have an account',
    text: [greeting(payload.name), ...lines].join('\n\n'),
    html: html`<p>${greeting(payload.name)}</p>
${lines.map((line) => html`<p>${line}</p>`)}`,
  });
}
