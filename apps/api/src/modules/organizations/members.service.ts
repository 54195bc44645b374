import type {
  listMembersInputSchema,
  Membership,
  Page,
  removeMemberInputSchema,
  setMemberRoleInputSchema,
} from '@evently/contracts';
import { appendEvent, type Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import type { z } from 'zod';
import { authorize } from '../../access/access-policy.js';
import { appendAudit } from '../../audit/audit.repository.js';
import type { AccessChanges } from '../../kernel/access-changes.js';
import { AppError } from '../../kernel/app-error.js';
import { keysetPage, rowsFor } from '../../kernel/page.js';
import { actorOf, type UserPrincipal } from '../../kernel/principal.js';
import type { Memberships } from './memberships.js';
import { toMembership } from './organizations.mappers.js';
import {
  type MemberRow,
  type OrganizationRow,
  organizationsRepository as repo,
} from './organizations.repository.js';

/** An organization's members: who they are, their roles, and leaving. */
export interface MembersService {
  list(
    principal: UserPrincipal,
    input: z.output<typeof listMembersInputSchema>,
  ): Promise<Page<Membership>>;
  setRole(
    principal: UserPrincipal,
    input: z.infer<typeof setMemberRoleInputSchema>,
  ): Promise<Membership>;
  remove(
    principal: UserPrincipal,
    input: z.infer<typeof removeMemberInputSchema>,
  ): Promise<{ ok: true }>;
}

/** Who a membership event is about, and where: its mail goes to their address. */
const aboutMember = (member: MemberRow, organization: OrganizationRow) => ({
  userId: member.user_id,
  email: member.email,
  name: member.name,
  organizationId: organization.id,
  organizationName: organization.name,
});

const memberNotFound = () => new AppError('NOT_FOUND', 'Member not found');
const lastOwner = () =>
  new AppError('LAST_OWNER', 'An organization keeps at least one owner: make another owner first');

export function createMembersService(deps: {
  db: Kysely<Database>;
  memberships: Memberships;
  accessChanges: AccessChanges;
}): MembersService {
  const { db, memberships } = deps;

  /**
   * A membership change: the organization's row locked first, so changes to one organization
   * run one at a time and "is another owner left?" cannot be answered twice from the same count.
   * The caller's right is decided again under the lock, by their role now: an owner demoted a
   * moment ago does not act on the role their request started with. The member's cached roles
   * are forgotten before (an unreachable cache refuses the change) and after the commit.
   */
  async function change<T>(
    principal: UserPrincipal,
    action: 'organization.manageMembers' | 'membership.remove',
    organizationId: string,
    userId: string,
    work: (
      trx: Transaction<Database>,
      organization: OrganizationRow,
      member: MemberRow,
    ) => Promise<T>,
  ): Promise<T> {
    await memberships.forgetBefore([userId]);
    const result = await db.transaction().execute(async (trx) => {
      const locked = await repo.lock(trx, organizationId, principal.userId);
      if (!locked) throw new AppError('NOT_FOUND', 'Organization not found');
      const { organization, actorRole } = locked;
      const facts = { organizationId, memberRole: actorRole };
      if (action === 'membership.remove')
        authorize(principal, action, { ...facts, holderId: userId });
      else authorize(principal, action, facts);
      const member = await repo.member(trx, organizationId, userId);
      if (!member) throw memberNotFound();
      return work(trx, organization, member);
    });
    await memberships.forget([userId]);
    // Lowered or removed: the member's open streams check again now.
    await deps.accessChanges.announce([userId]);
    return result;
  }

  return {
    async list(principal, input) {
      authorize(
        principal,
        'organization.readMembers',
        await memberships.standingIn(principal, input.organizationId),
      );
      const rows = await repo.members(db, input.organizationId, {
        limit: rowsFor(input.limit),
        after: input.cursor ? { joinedAt: input.cursor.j, userId: input.cursor.u } : undefined,
      });
      return keysetPage(rows, input.limit, {
        item: toMembership,
        sortKey: (row) => ({ j: row.joined_at.toISOString(), u: row.user_id }),
      });
    },

    async setRole(principal, input) {
      authorize(
        principal,
        'organization.manageMembers',
        await memberships.standingIn(principal, input.organizationId),
      );
      const { organizationId, userId } = input;
      return change(
        principal,
        'organization.manageMembers',
        organizationId,
        userId,
        async (trx, organization, member) => {
          if (member.role === input.role) return toMembership(member);
          if (member.role === 'owner' && (await repo.countOwners(trx, organization.id)) <= 1) {
            throw lastOwner();
          }
          await repo.setRole(trx, organization.id, member.user_id, input.role);
          await appendAudit(trx, {
            entity: 'organization',
            entityId: organization.id,
            action: 'member_role_changed',
            ...actorOf(principal),
            before: { userId: member.user_id, role: member.role },
            after: { userId: member.user_id, role: input.role },
          });
          await appendEvent(trx, {
            topic: 'organization.member_role_changed',
            aggregateId: organization.id,
            payload: {
              ...aboutMember(member, organization),
              role: input.role,
              previousRole: member.role,
              changedBy: principal.userId,
            },
          });
          return toMembership({ ...member, role: input.role });
        },
      );
    },

    async remove(principal, input) {
      authorize(principal, 'membership.remove', {
        ...(await memberships.standingIn(principal, input.organizationId)),
        holderId: input.userId,
      });
      const { organizationId, userId } = input;
      return change(
        principal,
        'membership.remove',
        organizationId,
        userId,
        async (trx, organization, member) => {
          if (member.role === 'owner' && (await repo.countOwners(trx, organization.id)) <= 1) {
            throw lastOwner();
          }
          await repo.removeMember(trx, organization.id, member.user_id);
          await appendAudit(trx, {
            entity: 'organization',
            entityId: organization.id,
            action: member.user_id === principal.userId ? 'member_left' : 'member_removed',
            ...actorOf(principal),
            before: { userId: member.user_id, role: member.role },
            after: null,
          });
          await appendEvent(trx, {
            topic: 'organization.member_removed',
            aggregateId: organization.id,
            payload: {
              ...aboutMember(member, organization),
              previousRole: member.role,
              removedBy: principal.userId,
            },
          });
          return { ok: true as const };
        },
      );
    },
  };
}
