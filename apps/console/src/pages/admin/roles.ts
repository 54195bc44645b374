import { type MemberRole, memberRoles } from '@evently/sdk';

/** What each role in an organization may do, in the words the pages use. */
export const memberRoleHelp: Record<MemberRole, string> = {
  owner: 'runs the team, webhooks and API keys, and everything a manager does',
  manager: 'creates and runs events, bookings and check-in',
  staff: 'checks tickets in at the doors',
  viewer: 'reads events, members and figures',
};

export const memberRoleOptions = memberRoles.map((role) => ({
  value: role,
  label: role[0]?.toUpperCase() + role.slice(1),
}));

/** One sentence naming every role, for a form's hint. */
export const memberRolesHint = memberRoles
  .map((role) => `${role[0]?.toUpperCase()}${role.slice(1)} ${memberRoleHelp[role]}`)
  .join('. ')
  .concat('.');
