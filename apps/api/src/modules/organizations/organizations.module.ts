import type { Database } from '@evently/db';
import type { CachePort } from '@evently/platform';
import type { Kysely } from 'kysely';
import type { AccessChanges } from '../../kernel/access-changes.js';
import type { Clock } from '../../kernel/clock.js';
import type { RequestLog } from '../../kernel/log.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import type { Module } from '../../kernel/module.js';
import { createInvitationsService, type InvitationsService } from './invitations.service.js';
import { invitationsRetention } from './invitations-retention.js';
import { createMembersService, type MembersService } from './members.service.js';
import { createMemberships, memberRolesOf } from './memberships.js';
import {
  createOrganizationsService,
  type EventOwnership,
  type OrganizationsService,
} from './organizations.service.js';

/**
 * Organizations, their members and invitations, and the membership lookup other modules decide
 * by. (Part of the tRPC context's type, so of the SDK's declarations: no database types here.)
 */
export interface OrganizationsModuleService extends OrganizationsService {
  members: MembersService;
  invitations: InvitationsService;
  /** A caller's role in each organization, per request (cached, forgotten on every change). */
  roles: MemberRoles;
}

export function createOrganizationsModule(deps: {
  db: Kysely<Database>;
  cache: CachePort;
  /** Where a lowered or removed membership is announced to the member's open streams. */
  accessChanges: AccessChanges;
  log: RequestLog;
  now: Clock;
}): Module<OrganizationsModuleService> & { ownership: EventOwnership } {
  const memberships = createMemberships({ db: deps.db, cache: deps.cache, log: deps.log });
  const shared = { db: deps.db, memberships, now: deps.now };
  const { forNewEvent, settled, ...organizations } = createOrganizationsService(shared);
  return {
    service: {
      ...organizations,
      members: createMembersService({ ...shared, accessChanges: deps.accessChanges }),
      invitations: createInvitationsService(shared),
      roles: memberRolesOf(memberships),
    },
    ownership: { forNewEvent, settled },
    retention: [invitationsRetention],
    async close() {},
  };
}
