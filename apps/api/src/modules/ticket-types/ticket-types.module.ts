import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import type { Module } from '../../kernel/module.js';
import type { InventoryService } from '../bookings/inventory.service.js';
import { createQuotasService, type QuotasService } from './quotas.service.js';
import { createTicketTypesService, type TicketTypesService } from './ticket-types.service.js';

/**
 * What an event sells: its ticket types and the quotas they share. (Part of the tRPC context's
 * type, so of the SDK's declarations: no database types here.)
 */
export interface TicketTypesModuleService extends TicketTypesService {
  quotas: QuotasService;
}

export function createTicketTypesModule(deps: {
  db: Kysely<Database>;
  roles: MemberRoles;
  inventory: Pick<InventoryService, 'serveWaitlist'>;
  now: Clock;
}): Module<TicketTypesModuleService> {
  return {
    service: { ...createTicketTypesService(deps), quotas: createQuotasService(deps) },
    async close() {},
  };
}
