import { type MemberRole, memberRoleSchema } from '@evently/sdk';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { trpc } from '../../api.js';
import { Field } from '../../components/ui.js';
import { Refusal } from './access.js';
import { memberRoleOptions, memberRolesHint } from './roles.js';

/** Invites someone by email with a role: they join when they enter the code we mail them. */
export function InviteForm({ organizationId }: { organizationId: string }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<MemberRole>('viewer');
  const invite = useMutation(
    trpc.organizations.members.invite.mutationOptions({ onSuccess: () => setEmail('') }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate({ organizationId, email: email.trim(), role });
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-labelledby="invite-title">
      <h2 id="invite-title">Invite a member</h2>
      <div className="form-grid">
        <Field label="Email address">
          {({ id }) => (
            <input
              id={id}
              type="email"
              autoComplete="off"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        <Field label="Role" hint={memberRolesHint}>
          {({ id, describedBy }) => (
            <select
              id={id}
              aria-describedby={describedBy}
              value={role}
              onChange={(e) => setRole(memberRoleSchema.parse(e.target.value))}
            >
              {memberRoleOptions.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Refusal error={invite.error} what="invite members" />
      <div role="status" aria-live="polite">
        {invite.data && (
          <p className="note admin-ok">
            Invitation sent to {invite.data.email} as {invite.data.role}. They join when they enter
            the code from the mail (it is valid until{' '}
            {new Date(invite.data.expiresAt).toLocaleDateString()}).
          </p>
        )}
      </div>
      <button type="submit" className="primary" disabled={invite.isPending}>
        {invite.isPending ? 'Sending…' : 'Send invitation'}
      </button>
    </form>
  );
}
