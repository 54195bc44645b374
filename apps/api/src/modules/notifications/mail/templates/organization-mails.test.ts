import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { organizationInvitationMail } from './organization-invitation.mail.js';
import {
  memberAddedMail,
  memberRemovedMail,
  memberRoleChangedMail,
} from './organization-membership.mail.js';

const orgName = 'Blue <Note> & "Co"';
const member = {
  userId: randomUUID(),
  email: 'ada@example.com',
  name: 'Ada',
  organizationId: randomUUID(),
  organizationName: orgName,
};

describe('organization mails', () => {
  it('the invitation: its code, what the role may do, until when; names escaped in the HTML', () => {
    const mail = organizationInvitationMail(
      {
        invitationId: randomUUID(),
        organizationId: member.organizationId,
        organizationName: orgName,
        email: member.email,
        role: 'staff',
        invitedBy: randomUUID(),
        inviterName: 'Grace',
        expiresAt: '2026-11-10T14:05:00.000Z',
      },
      { code: 'c0de' },
    );
    expect(mail.subject).toBe('You are invited to an organization on Evently');
    expect(mail.text).toContain(
      `Grace invited you to join ${orgName} on Evently as staff: you may check attendees in`,
    );
    expect(mail.text).toContain('    c0de');
    expect(mail.text).toContain('It works once, only for ada@example.com, until Tue, 10 Nov');
    expect(mail.html).toContain('Blue &lt;Note&gt; &amp; &quot;Co&quot;');
    expect(mail.html).not.toContain('<Note>');
  });

  it('added, role changed, removed and left say what happened', () => {
    const added = memberAddedMail({ ...member, role: 'staff', addedBy: randomUUID() });
    expect(added.subject).toBe('You joined an organization on Evently');
    expect(added.text).toContain(`You are now a staff of ${orgName}`);
    const changed = memberRoleChangedMail({
      ...member,
      role: 'manager',
      previousRole: 'staff',
      changedBy: randomUUID(),
    });
    expect(changed.text).toContain('changed your role from staff to manager');
    const removed = memberRemovedMail({
      ...member,
      previousRole: 'owner',
      removedBy: randomUUID(),
    });
    expect(removed.subject).toBe('You were removed from an organization on Evently');
    expect(removed.text).toContain('removed you from it; you were an owner.');
    const left = memberRemovedMail({ ...member, previousRole: 'viewer', removedBy: member.userId });
    expect(left.subject).toBe('You left an organization on Evently');
    expect(left.text).toContain(`You left ${orgName}; you were a viewer.`);
  });
});
