import type { Database } from '@evently/db';
import type { CachePort } from '@evently/platform';
import type { Kysely } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import type { RequestLog } from '../../kernel/log.js';
import type { Module } from '../../kernel/module.js';
import { createInvitationsService, type InvitationsService } from './invitations.service.js';
import { createMembersService, type MembersService } from './members.service.js';
import { createMemberships, type Memberships } from './memberships.js';
import { createOrganizationsService, type OrganizationsService } from './organizations.service.js';

/** Organizations, their members and invitations, and the membership lookup other modules use. */
export interface OrganizationsModuleService extends OrganizationsService {
  members: MembersService;
  invitations: InvitationsService;
  /** A user's role in each organization, per request (cached, forgotten on every change). */
  memberships: Memberships;
}

export function createOrganizationsModule(deps: {
  db: Kysely<Database>;
  cache: CachePort;
  log: RequestLog;
  now: Clock;
}): Module<OrganizationsModuleService> {
  const memberships = createMemberships({ db: deps.db, cache: deps.cache, log: deps.log });
  const shared = { db: deps.db, memberships, now: deps.now };
  return {
    service: {
      ...createOrganizationsService(shared),
      members: createMembersService(shared),
      invitations: createInvitationsService(shared),
      memberships,
    },
    async close() {},
  };
}
