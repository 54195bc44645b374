import type { DomainEventPayload } from '@evently/contracts';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { OneTimeCodeContext, RenderedMail } from '../mail-template.js';
import { oneTimeCode } from '../one-time-code.js';

export const VERIFICATION_CODE_SUBJECT = 'Your Evently verification code';

/** `user.verification_requested`: the code that proves the address belongs to the new account. */
export function verificationCodeMail(
  payload: DomainEventPayload<'user.verification_requested'>,
  context: OneTimeCodeContext,
): RenderedMail {
  const code = oneTimeCode({
    code: context.code,
    expiresAt: payload.expiresAt,
    purpose: 'verify your email address',
  });
  const ignore = 'If you did not create an Evently account, you can ignore this mail.';
  return layout({
    subject: VERIFICATION_CODE_SUBJECT,
    to: payload.email,
    heading: 'Verify your email address',
    text: [greeting(payload.name), '', code.text, '', ignore].join('\n'),
    html: html`<p>${greeting(payload.name)}</p>
${code.html}
<p>${ignore}</p>`,
  });
}
