import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import type { Module } from '../../kernel/module.js';
import { createSeatFeed } from './seat-feed.js';
import { createSeatingService, type SeatingService } from './seating.service.js';

/**
 * Reserved seating: an event's plan (sections, rows, seats of its ticket types), its map with
 * every seat's state, seats blocked off sale, and `seating.live`, the seats' changes as they
 * happen (seat-feed.ts). Seats are held and sold with bookings (the allocator takes them from its
 * seat index, seat-index.ts).
 */
export function createSeatingModule(deps: {
  db: Kysely<Database>;
  roles: MemberRoles;
  now: Clock;
  log: { warn(obj: object, msg?: string): void };
  /** How often an event with open live streams is read for changes (default 250 ms). */
  livePollMs?: number;
}): Module<SeatingService> {
  const feed = createSeatFeed({ db: deps.db, log: deps.log, pollMs: deps.livePollMs });
  return {
    service: createSeatingService({ ...deps, feed }),
    async close() {
      feed.close();
    },
  };
}
