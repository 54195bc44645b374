import type { DomainEventPayload } from '@evently/contracts';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { OneTimeCodeContext, RenderedMail } from '../mail-template.js';
import { oneTimeCode } from '../one-time-code.js';

export const PASSWORD_RESET_CODE_SUBJECT = 'Your Evently password reset code';

/** `user.password_reset_requested`: the code that lets the owner choose a new password. */
export function passwordResetCodeMail(
  payload: DomainEventPayload<'user.password_reset_requested'>,
  context: OneTimeCodeContext,
): RenderedMail {
  const code = oneTimeCode({
    code: context.code,
    expiresAt: payload.expiresAt,
    purpose: 'reset your password',
  });
  const ignore =
    'If you did not ask to reset your password, ignore this mail: your password stays as it is.';
  return layout({
    subject: PASSWORD_RESET_CODE_SUBJECT,
    to: payload.email,
    heading: 'Reset your password',
    text: [greeting(payload.name), '', code.text, '', ignore].join('\n'),
    html: html`<p>${greeting(payload.name)}</p>
${code.html}
<p>${ignore}</p>`,
  });
}
