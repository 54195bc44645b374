import type { DomainEventPayload } from '@evently/contracts';
import { formatUtc } from '../format-instant.js';
import { html } from '../html.js';
import { layout } from '../layout.js';
import type { OneTimeCodeContext, RenderedMail } from '../mail-template.js';
import { ROLE_MEANING } from './organization-roles.js';

export const ORGANIZATION_INVITATION_SUBJECT = 'You are invited to an organization on Evently';

/**
 * `organization.invitation_created`: the single-use code. The same mail whether or not the
 * address has an account (the inviter may not know, and the mail must not tell them).
 */
export function organizationInvitationMail(
  payload: DomainEventPayload<'organization.invitation_created'>,
  context: OneTimeCodeContext,
): RenderedMail {
  const who = payload.inviterName.trim() || 'A member';
  const invited = `${who} invited you to join ${payload.organizationName} on Evently as ${payload.role}: you may ${ROLE_MEANING[payload.role]}.`;
  const how = `To accept, sign in to Evently with this address (${payload.email}) — create an account with it first if you have none, and verify it — then enter this code:`;
  const expires = formatUtc(payload.expiresAt);
  const once = `It works once, only for ${payload.email}, until ${expires} (${payload.expiresAt}).`;
  const ignore = 'If you do not want to join, ignore this mail: nothing happens without the code.';
  return layout({
    subject: ORGANIZATION_INVITATION_SUBJECT,
    to: payload.email,
    heading: `Join ${payload.organizationName}`,
    text: ['Hello,', invited, how, `    ${context.code}`, once, ignore].join('\n\n'),
    html: html`<p>Hello,</p>
<p>${invited}</p>
<p>${how}</p>
<p style="font-size:18px;font-weight:bold;font-family:Menlo,Consolas,monospace;word-break:break-all;margin:24px 0;">${context.code}</p>
<p>It works once, only for ${payload.email}, until <time datetime="${payload.expiresAt}">${expires}</time>.</p>
<p>${ignore}</p>`,
  });
}
