import { finishedRowsRule } from '@evently/platform';
import { sql } from 'kysely';

/**
 * Invitations that ended (accepted, replaced, or expired) before the cutoff: none can be used any
 * more, and who invited whom stays in the audit log.
 */
export const invitationsRetention = finishedRowsRule({
  name: 'organization-invitations',
  table: 'organization_invitations',
  finishedBefore: (cutoff) =>
    sql`LEAST(expires_at, coalesce(accepted_at, expires_at), coalesce(revoked_at, expires_at)) < ${cutoff}`,
});
