import { html, type SafeHtml } from './html.js';
import type { RenderedMail } from './mail-template.js';

export interface LayoutInput {
  /** One line, fixed text: never a user-supplied value (it becomes a header). */
  subject: string;
  /** The recipient, named in the footer of both parts. */
  to: string;
  /** Plain text shown as the heading. */
  heading: string;
  /** The message as HTML, built with `html` so its values are escaped. */
  html: SafeHtml;
  /** The same message as plain text (paragraphs separated by blank lines). */
  text: string;
}

const FOOTER_TEXT = 'Evently — events, seats and waitlists.';

/**
 * The one skeleton every mail shares: a plain-text part with a footer, and an HTML document
 * with inline styles (mail clients drop `<style>` blocks and external CSS).
 */
export function layout(input: LayoutInput): RenderedMail {
  if (/[\r\n]/.test(input.subject)) throw new Error('a mail subject is a single line');
  const text = [
    input.heading,
    '',
    input.text.trim(),
    '',
    '-- ',
    FOOTER_TEXT,
    `This mail was sent to ${input.to}.`,
    '',
  ].join('\n');
  const document = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${input.subject}</title>
</head>
<body style="margin:0;padding:0;background:#f4f4f7;font-family:Helvetica,Arial,sans-serif;color:#1f2330;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f7;padding:24px 0;">
<tr><td align="center">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="max-width:560px;width:100%;background:#ffffff;border-radius:8px;padding:32px;">
<tr><td style="font-size:20px;font-weight:bold;padding-bottom:8px;">Evently</td></tr>
<tr><td><h1 style="font-size:22px;margin:16px 0;">${input.heading}</h1></td></tr>
<tr><td style="font-size:15px;line-height:1.5;">
${input.html}
</td></tr>
<tr><td style="font-size:12px;color:#6b7080;padding-top:24px;border-top:1px solid #e6e6ec;">
${FOOTER_TEXT}<br>This mail was sent to ${input.to}.
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>`;
  return { subject: input.subject, text, html: document.value };
}

/** "Hello Ada," — or just "Hello," when the account has no name. */
export function greeting(name: string): string {
  const trimmed = name.trim();
  return trimmed === '' ? 'Hello,' : `Hello ${trimmed},`;
}
