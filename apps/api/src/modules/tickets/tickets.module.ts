import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import type { Module } from '../../kernel/module.js';
import type { MailedTickets } from '../notifications/mail/mailed-tickets.js';
import { type CheckinService, createCheckinService } from './checkin.service.js';
import { createMailedTickets } from './mailed-tickets.js';
import { ticketKeys } from './ticket-keys.js';
import { createTicketSnapshots } from './ticket-snapshots.js';
import { createTicketsConsumer } from './tickets.consumer.js';
import { createTicketsService, type TicketsService } from './tickets.service.js';

/**
 * Tickets: one per seat or unit of a confirmed booking (issued and voided by its consumer, from
 * the bookings' domain events), each with a code signed by the ticket key (ticket-keys.ts) that
 * a gate verifies offline, and its QR image; and check-in at the event's doors (checkin.*).
 */
export function createTicketsModule(deps: {
  db: Kysely<Database>;
  roles: MemberRoles;
  now: Clock;
  /** TICKET_SIGNING_KEY; without it (outside production) the database keeps a key of its own. */
  signingKey?: string | undefined;
  production: boolean;
}): Module<TicketsService> & {
  checkin: CheckinService;
  mailed: MailedTickets;
  snapshots: ReturnType<typeof createTicketSnapshots>;
  /** Loads the signing key: awaited by the composition root before anything runs. */
  loadKeys(): Promise<void>;
} {
  const keys = ticketKeys(deps.db, { signingKey: deps.signingKey, production: deps.production });
  const service = createTicketsService({ db: deps.db, roles: deps.roles, keys });
  return {
    service,
    checkin: createCheckinService({
      db: deps.db,
      roles: deps.roles,
      keys,
      now: deps.now,
      toTicket: service.toTicket,
    }),
    // The confirmation mail's tickets (the notifications module's port).
    mailed: createMailedTickets({ toTicket: service.toTicket, now: deps.now }),
    // Tickets as answered, for the webhooks' payloads.
    snapshots: createTicketSnapshots(service),
    consumers: [createTicketsConsumer(service, deps.now)],
    loadKeys: () => keys.load(),
    async close() {},
  };
}
