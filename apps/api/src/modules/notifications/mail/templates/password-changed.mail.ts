import type { DomainEventPayload } from '@evently/contracts';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { RenderedMail } from '../mail-template.js';

export const PASSWORD_CHANGED_SUBJECT = 'Your Evently password was changed';

// What happened, per the way the password was changed (API.md: change revokes the other
// sessions, reset revokes all of them).
const how = {
  change: [
    'The password of your Evently account was just changed from your account settings.',
    'Every other device signed in to your account has been signed out.',
  ],
  reset: [
    'The password of your Evently account was just reset with a code sent to this address.',
    'Every device signed in to your account has been signed out.',
  ],
} as const;

/** `user.password_changed`: tells the owner, so a change they did not make does not go unnoticed. */
export function passwordChangedMail(
  payload: DomainEventPayload<'user.password_changed'>,
): RenderedMail {
  const lines = [
    ...how[payload.via],
    'If this was you, there is nothing else to do.',
    'If it was not, reset your password right away with "Forgot password" and contact Evently support.',
  ];
  return layout({
    subject: PASSWORD_CHANGED_SUBJECT,
    to: payload.email,
    heading: 'Your password was changed',
    text: [greeting(payload.name), ...lines].join('\n\n'),
    html: html`<p>${greeting(payload.name)}</p>
${lines.map((line) => html`<p>${line}</p>`)}`,
  });
}
