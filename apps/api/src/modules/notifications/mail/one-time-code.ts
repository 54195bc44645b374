import { formatUtc } from './format-instant.js';
import { html, type SafeHtml } from './html.js';

export interface OneTimeCodeInput {
  code: string;
  expiresAt: string;
  /** What the code is for, e.g. "verify your email address". */
  purpose: string;
}

/**
 * The part the verification and reset mails share: the code, when it stops working, and the
 * warning that Evently never asks for it (codes are what phishers ask for).
 */
export function oneTimeCode(input: OneTimeCodeInput): { html: SafeHtml; text: string } {
  const expires = formatUtc(input.expiresAt);
  const warning =
    'Nobody from Evently will ever ask you for this code, by mail, phone or chat. ' +
    'Do not share it with anyone.';
  return {
    text: [
      `Use this code to ${input.purpose}:`,
      '',
      `    ${input.code}`,
      '',
      `It expires at ${expires} (${input.expiresAt}) and can be used once.`,
      '',
      warning,
    ].join('\n'),
    html: html`<p>Use this code to ${input.purpose}:</p>
<p style="font-size:32px;font-weight:bold;letter-spacing:8px;font-family:Menlo,Consolas,monospace;margin:24px 0;">${input.code}</p>
<p>It expires at <time datetime="${input.expiresAt}">${expires}</time> and can be used once.</p>
<p style="color:#9a3412;"><strong>${warning}</strong></p>`,
  };
}
