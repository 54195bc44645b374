import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import type { Module } from '../../kernel/module.js';
import { createSeatingService, type SeatingService } from './seating.service.js';

/**
 * Reserved seating: an event's plan (sections, rows, seats of its ticket types), its map with
 * every seat's state, and seats blocked off sale. Seats are held and sold with bookings (the
 * allocator takes them from its seat index, seat-index.ts).
 */
export function createSeatingModule(deps: {
  db: Kysely<Database>;
  roles: MemberRoles;
  now: Clock;
}): Module<SeatingService> {
  return {
    service: createSeatingService(deps),
    async close() {},
  };
}
