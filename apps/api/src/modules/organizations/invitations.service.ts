import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type {
  acceptInvitationInputSchema,
  Invitation,
  inviteMemberInputSchema,
  Membership,
} from '@evently/contracts';
import { appendEvent, type Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import type { z } from 'zod';
import { authorize } from '../../access/access-policy.js';
import { appendAudit } from '../../audit/audit.repository.js';
import { AppError } from '../../kernel/app-error.js';
import type { Clock } from '../../kernel/clock.js';
import { actorOf, type UserPrincipal } from '../../kernel/principal.js';
import type { Memberships } from './memberships.js';
import { toInvitation, toMembership } from './organizations.mappers.js';
import { organizationsRepository as repo } from './organizations.repository.js';

/** How long an invitation's code works (API.md Part 2). */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1_000;

/** Inviting people by email, and accepting with the code the mail carried. */
export interface InvitationsService {
  /**
   * Mails a single-use code to the address. The same answer (and the same work) whether or not
   * the address has an account: nothing about it is looked up.
   */
  invite(
    principal: UserPrincipal,
    input: z.infer<typeof inviteMemberInputSchema>,
  ): Promise<Invitation>;
  /** Joins the caller to the organization, if the code was mailed to their verified address. */
  accept(
    principal: UserPrincipal,
    input: z.infer<typeof acceptInvitationInputSchema>,
  ): Promise<Membership>;
}

/** Codes carry 192 random bits, so a plain digest keeps a database leak from using them. */
export const hashInvitationCode = (code: string) =>
  createHash('sha256').update(code).digest('base64url');

/**
 * For the mail consumer: the plaintext code of a pending invitation, taken (and cleared from the
 * row) in the consumer's transaction; undefined once it was accepted, replaced or expired.
 */
export function takeInvitationMailCode(
  trx: Transaction<Database>,
  invitationId: string,
): Promise<string | undefined> {
  return repo.takeMailCode(trx, invitationId);
}

export function createInvitationsService(deps: {
  db: Kysely<Database>;
  memberships: Memberships;
  now: Clock;
}): InvitationsService {
  const { db, memberships, now } = deps;

  return {
    async invite(principal, input) {
      const standing = await memberships.standingIn(principal, input.organizationId);
      authorize(principal, 'organization.manageMembers', standing);
      const code = randomBytes(24).toString('base64url');
      const row = await db.transaction().execute(async (trx) => {
        const locked = await repo.lock(trx, input.organizationId, principal.userId);
        if (!locked) throw new AppError('NOT_FOUND', 'Organization not found');
        const { organization, actorRole } = locked;
        // Decided again under the lock, by the role the inviter has now.
        authorize(principal, 'organization.manageMembers', {
          organizationId: organization.id,
          memberRole: actorRole,
        });
        const inviter = await repo.userById(trx, principal.userId);
        const at = now();
        // One live invitation per address: a new one replaces (and silences) the older.
        await repo.revokePending(trx, organization.id, input.email, at);
        const invitation = await repo.insertInvitation(trx, {
          id: randomUUID(),
          organization_id: organization.id,
          email: input.email,
          role: input.role,
          code_hash: hashInvitationCode(code),
          mail_code: code,
          invited_by: principal.userId,
          created_at: at,
          expires_at: new Date(at.getTime() + INVITATION_TTL_MS),
        });
        await appendAudit(trx, {
          entity: 'organization',
          entityId: organization.id,
          action: 'member_invited',
          ...actorOf(principal),
          after: { invitationId: invitation.id, email: invitation.email, role: invitation.role },
        });
        await appendEvent(trx, {
          topic: 'organization.invitation_created',
          aggregateId: organization.id,
          payload: {
            invitationId: invitation.id,
            organizationId: organization.id,
            organizationName: organization.name,
            email: invitation.email,
            role: invitation.role,
            invitedBy: principal.userId,
            inviterName: inviter?.name ?? '',
            expiresAt: invitation.expires_at.toISOString(),
          },
        });
        return invitation;
      });
      return toInvitation(row);
    },

    async accept(principal, input) {
      await memberships.forgetBefore([principal.userId]);
      const membership = await db.transaction().execute(async (trx) => {
        const invitation = await repo.invitationByHash(trx, hashInvitationCode(input.code));
        if (!invitation || invitation.revoked_at) {
          throw new AppError('NOT_FOUND', 'Invitation not found');
        }
        const user = await repo.userById(trx, principal.userId);
        // Before anything about the invitation's state: another account learns nothing of it.
        if (!user || user.email !== invitation.email) {
          throw new AppError('FORBIDDEN', 'This invitation was sent to another email address');
        }
        if (!user.email_verified_at) {
          throw new AppError('EMAIL_NOT_VERIFIED', 'Verify your email address first');
        }
        if (invitation.accepted_at) {
          throw new AppError('INVALID_STATE', 'This invitation was already used');
        }
        const at = now();
        if (invitation.expires_at.getTime() <= at.getTime()) {
          throw new AppError('INVALID_STATE', 'This invitation has expired: ask for a new one');
        }
        const organization = (await repo.lock(trx, invitation.organization_id, user.id))
          ?.organization;
        if (!organization) throw new AppError('NOT_FOUND', 'Invitation not found');
        if (await repo.member(trx, organization.id, user.id)) {
          throw new AppError('INVALID_STATE', 'You are already a member of this organization');
        }
        await repo.addMember(trx, {
          organization_id: organization.id,
          user_id: user.id,
          role: invitation.role,
          joined_at: at,
        });
        await repo.markAccepted(trx, invitation.id, user.id, at);
        await appendAudit(trx, {
          entity: 'organization',
          entityId: organization.id,
          action: 'member_added',
          actorId: user.id,
          after: { userId: user.id, role: invitation.role, invitedBy: invitation.invited_by },
        });
        await appendEvent(trx, {
          topic: 'organization.member_added',
          aggregateId: organization.id,
          payload: {
            userId: user.id,
            email: user.email,
            name: user.name,
            organizationId: organization.id,
            organizationName: organization.name,
            role: invitation.role,
            addedBy: invitation.invited_by,
          },
        });
        return toMembership({
          organization_id: organization.id,
          user_id: user.id,
          role: invitation.role,
          joined_at: at,
          name: user.name,
          email: user.email,
        });
      });
      await memberships.forget([principal.userId]);
      return membership;
    },
  };
}
