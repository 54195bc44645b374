import { isEventlyError } from '@evently/sdk';
import { Link } from 'react-router';
import { ErrorNote } from '../../components/ui.js';
import { useSession } from '../../session.js';

/** Whether an error is the API's "you may not do this" (as opposed to "this does not exist"). */
export function isForbidden(error: unknown): boolean {
  return isEventlyError(error) && error.appCode === 'FORBIDDEN';
}

/**
 * Whether the signed-in person runs the current organization's team and integrations: its
 * owners, and Evently's platform admins (the API decides in the end; this only hides controls).
 */
export function useMayManage(): boolean {
  const session = useSession();
  return session.user?.role === 'admin' || session.organization?.role === 'owner';
}

/** Why the controls are missing: the current role in the organization cannot `what`. */
export function OwnersOnly({ what }: { what: string }) {
  const { organization } = useSession();
  const name = organization?.organization.name ?? 'this organization';
  return (
    <p className="note admin-info">
      Only the owners of {name} can {what}. Your role there is{' '}
      <strong>{organization?.role ?? 'none'}</strong>; ask an owner if you need this done.
    </p>
  );
}

/** An API refusal as a sentence; a refusal for lack of role says which role is needed. */
export function Refusal({ error, what }: { error: unknown; what: string }) {
  if (!error) return null;
  if (isForbidden(error)) return <OwnersOnly what={what} />;
  return <ErrorNote error={error} />;
}

/** Shown instead of a page that works in an organization when there is none yet. */
export function NoOrganization() {
  return (
    <p className="note">
      You do not belong to an organization yet. <Link to="/">Create or choose one</Link> first.
    </p>
  );
}

/** Shown instead of a platform admin's page to everybody else. */
export function AdminsOnly({ what }: { what: string }) {
  const { user } = useSession();
  return (
    <p className="note admin-info">
      Only Evently’s platform admins can {what}. You are signed in as {user?.email} with the{' '}
      <strong>{user?.role}</strong> role.
    </p>
  );
}
