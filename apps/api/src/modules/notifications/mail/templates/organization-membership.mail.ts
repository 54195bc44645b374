import type { DomainEventPayload } from '@evently/contracts';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { RenderedMail } from '../mail-template.js';
import { ROLE_MEANING } from './organization-roles.js';

export const MEMBER_ADDED_SUBJECT = 'You joined an organization on Evently';
export const MEMBER_ROLE_CHANGED_SUBJECT = 'Your role in an organization on Evently changed';
export const MEMBER_REMOVED_SUBJECT = 'You were removed from an organization on Evently';
export const MEMBER_LEFT_SUBJECT = 'You left an organization on Evently';

function mail(payload: { email: string; name: string }, subject: string, lines: string[]) {
  return layout({
    subject,
    to: payload.email,
    heading: subject,
    text: [greeting(payload.name), ...lines].join('\n\n'),
    html: html`<p>${greeting(payload.name)}</p>
${lines.map((line) => html`<p>${line}</p>`)}`,
  });
}

/** `organization.member_added`: the invitation was accepted. */
export function memberAddedMail(
  payload: DomainEventPayload<'organization.member_added'>,
): RenderedMail {
  return mail(payload, MEMBER_ADDED_SUBJECT, [
    `You are now ${payload.role === 'owner' ? 'an' : 'a'} ${payload.role} of ${payload.organizationName}: you may ${ROLE_MEANING[payload.role]}.`,
  ]);
}

/** `organization.member_role_changed`: so a change nobody told them of does not go unnoticed. */
export function memberRoleChangedMail(
  payload: DomainEventPayload<'organization.member_role_changed'>,
): RenderedMail {
  return mail(payload, MEMBER_ROLE_CHANGED_SUBJECT, [
    `An owner of ${payload.organizationName} changed your role from ${payload.previousRole} to ${payload.role}.`,
    `You may now ${ROLE_MEANING[payload.role]}.`,
  ]);
}

/** `organization.member_removed`: removed by an owner, or left of their own accord. */
export function memberRemovedMail(
  payload: DomainEventPayload<'organization.member_removed'>,
): RenderedMail {
  const left = payload.removedBy === payload.userId;
  return mail(payload, left ? MEMBER_LEFT_SUBJECT : MEMBER_REMOVED_SUBJECT, [
    left
      ? `You left ${payload.organizationName}; you were ${payload.previousRole === 'owner' ? 'an' : 'a'} ${payload.previousRole}.`
      : `An owner of ${payload.organizationName} removed you from it; you were ${payload.previousRole === 'owner' ? 'an' : 'a'} ${payload.previousRole}.`,
    'You no longer have access to its events, bookings or analytics.',
  ]);
}
