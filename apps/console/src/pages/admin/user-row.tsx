import { type Role, type RouterOutputs, roleSchema, roles } from '@evently/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { trpc } from '../../api.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { ErrorNote, Tag, when } from '../../components/ui.js';

export type UserView = RouterOutputs['auth']['users']['list']['items'][number];

/** One account: its platform role (changed with Save), deactivated and reactivated. */
export function UserRow({ user, isMe }: { user: UserView; isMe: boolean }) {
  const queries = useQueryClient();
  const [role, setRole] = useState<Role>(user.role);
  useEffect(() => setRole(user.role), [user.role]);
  const refresh = () => queries.invalidateQueries(trpc.auth.users.list.pathFilter());
  const setRoleOf = useMutation(trpc.auth.users.setRole.mutationOptions({ onSuccess: refresh }));
  const setActive = useMutation(trpc.auth.users.setActive.mutationOptions({ onSuccess: refresh }));
  const selectId = `platform-role-${user.id}`;

  return (
    <tr>
      <th scope="row">
        {user.name}
        {isMe && <span className="hint"> (you)</span>}
      </th>
      <td className="break">{user.email}</td>
      <td>{user.emailVerified ? 'verified' : 'not verified'}</td>
      <td>
        {isMe ? (
          user.role
        ) : (
          <span className="inline-controls">
            <label htmlFor={selectId} className="visually-hidden">
              Platform role of {user.name}
            </label>
            <select
              id={selectId}
              value={role}
              onChange={(e) => setRole(roleSchema.parse(e.target.value))}
            >
              {roles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
            <button
              type="button"
              disabled={role === user.role || setRoleOf.isPending}
              onClick={() => setRoleOf.mutate({ userId: user.id, role })}
            >
              Save role<span className="visually-hidden"> of {user.name}</span>
            </button>
          </span>
        )}
      </td>
      <td>{user.active ? <Tag tone="ok">active</Tag> : <Tag tone="bad">deactivated</Tag>}</td>
      <td>{when(user.createdAt)}</td>
      <td>
        {isMe ? null : user.active ? (
          <ConfirmButton
            danger
            label="Deactivate"
            subject={user.name}
            question={`Deactivate ${user.name}? They are signed out everywhere and cannot sign in until reactivated.`}
            confirmLabel="Yes, deactivate"
            disabled={setActive.isPending}
            onConfirm={() => setActive.mutate({ userId: user.id, active: false })}
          />
        ) : (
          <button
            type="button"
            disabled={setActive.isPending}
            onClick={() => setActive.mutate({ userId: user.id, active: true })}
          >
            Reactivate<span className="visually-hidden"> {user.name}</span>
          </button>
        )}
        <ErrorNote error={setRoleOf.error ?? setActive.error} />
      </td>
    </tr>
  );
}
