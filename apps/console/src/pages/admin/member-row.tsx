import {
  isEventlyError,
  type MemberRole,
  memberRoleSchema,
  type RouterOutputs,
} from '@evently/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { trpc } from '../../api.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { when } from '../../components/ui.js';
import { useSession } from '../../session.js';
import { Refusal } from './access.js';
import { memberRoleOptions } from './roles.js';

export type Member = RouterOutputs['organizations']['members']['list']['items'][number];

/** LAST_OWNER, said with what to do about it. */
function LastOwner({ name }: { name: string }) {
  return (
    <p className="note note-error" role="alert">
      {name} is the only owner, and an organization needs at least one. Make another member an owner
      first, then change or remove {name}.
    </p>
  );
}

function RowError({ error, name }: { error: unknown; name: string }) {
  if (isEventlyError(error) && error.appCode === 'LAST_OWNER') return <LastOwner name={name} />;
  return <Refusal error={error} what="change members" />;
}

/** One member: their role (changed with Save by those who may), removal or leaving. */
export function MemberRow({ member, mayManage }: { member: Member; mayManage: boolean }) {
  const session = useSession();
  const queries = useQueryClient();
  const [role, setRole] = useState<MemberRole>(member.role);
  const isMe = member.userId === session.user?.id;
  // Changed elsewhere (or saved): the select shows the role the member has now.
  useEffect(() => setRole(member.role), [member.role]);

  const refresh = async () => {
    await queries.invalidateQueries(trpc.organizations.members.list.pathFilter());
    if (isMe) await queries.invalidateQueries(trpc.organizations.mine.queryFilter());
  };
  const setRoleOf = useMutation(
    trpc.organizations.members.setRole.mutationOptions({ onSuccess: refresh }),
  );
  const remove = useMutation(
    trpc.organizations.members.remove.mutationOptions({ onSuccess: refresh }),
  );
  const error = setRoleOf.error ?? remove.error;
  const selectId = `role-${member.userId}`;

  return (
    <tr>
      <th scope="row">
        {member.name}
        {isMe && <span className="hint"> (you)</span>}
      </th>
      <td>{member.email}</td>
      <td>
        {mayManage ? (
          <span className="inline-controls">
            <label htmlFor={selectId} className="visually-hidden">
              Role of {member.name}
            </label>
            <select
              id={selectId}
              value={role}
              onChange={(e) => {
                setRoleOf.reset();
                setRole(memberRoleSchema.parse(e.target.value));
              }}
            >
              {memberRoleOptions.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
            <button
              type="button"
              disabled={role === member.role || setRoleOf.isPending}
              onClick={() =>
                setRoleOf.mutate({
                  organizationId: member.organizationId,
                  userId: member.userId,
                  role,
                })
              }
            >
              Save role<span className="visually-hidden"> of {member.name}</span>
            </button>
          </span>
        ) : (
          member.role
        )}
      </td>
      <td>{when(member.joinedAt)}</td>
      <td>
        {(mayManage || isMe) && (
          <ConfirmButton
            danger
            label={isMe ? 'Leave' : 'Remove'}
            subject={isMe ? 'the organization' : member.name}
            question={
              isMe ? 'Leave this organization?' : `Remove ${member.name} from the organization?`
            }
            confirmLabel={isMe ? 'Yes, leave' : 'Yes, remove'}
            disabled={remove.isPending}
            onConfirm={() =>
              remove.mutate({ organizationId: member.organizationId, userId: member.userId })
            }
          />
        )}
        <RowError error={error} name={member.name} />
      </td>
    </tr>
  );
}
