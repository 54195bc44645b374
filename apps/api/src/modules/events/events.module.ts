import { eventIdInputSchema } from '@evently/contracts';
import type { Database, ReadReplica } from '@evently/db';
import type { CachePort, PubSubPort, QueuePort } from '@evently/platform';
import type { Kysely } from 'kysely';
import { createVersionedCache } from '../../cache/versioned-cache.js';
import type { Clock } from '../../kernel/clock.js';
import type { RequestLog } from '../../kernel/log.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import type { Module } from '../../kernel/module.js';
import type { InventoryService } from '../bookings/inventory.service.js';
import type { EventOwnership } from '../organizations/organizations.service.js';
import { eventScope, LIST_SCOPE } from './event-scopes.js';
import { createEventsService, type EventsService } from './events.service.js';

export const EVENTS_JOBS_QUEUE = 'jobs.events';

/**
 * The events service with its read cache (an LRU per process in front of the cache port,
 * generations for correctness, pub/sub for eviction), and the schedule that completes events
 * once they have ended.
 */
/** The events cache's trust window (versioned-cache.ts, "Trust window"). */
const EVENT_CACHE_TRUST_MS = 20;

export function createEventsModule(deps: {
  db: Kysely<Database>;
  /** Where public lists read (a replica when configured): reads that tolerate lag, nothing else. */
  reads: ReadReplica;
  platform: { cache: CachePort; pubsub: PubSubPort; queue: QueuePort };
  organizations: EventOwnership;
  roles: MemberRoles;
  /** Events' seats (a capacity increase offers the new seats to the waitlist). */
  inventory: InventoryService;
  log: RequestLog;
  now: Clock;
}): Module<EventsService> {
  const cache = createVersionedCache({
    cache: deps.platform.cache,
    pubsub: deps.platform.pubsub,
    log: deps.log,
    // A hot event's page asks Redis for its generation once per 20 ms per instance, not on every
    // read; an organizer's write answers 20 ms later (twice: before and after its commit).
    trustMs: EVENT_CACHE_TRUST_MS,
  });
  // Not awaited: with Redis down the subscription waits for it, and start-up must not (reads are
  // correct without it; it only speeds up eviction of other instances' LRU entries).
  cache
    .start()
    .catch((error: unknown) => deps.log.warn({ err: error }, 'cache eviction channel unavailable'));
  const service = createEventsService({
    db: deps.db,
    reads: deps.reads,
    cache,
    inventory: deps.inventory,
    organizations: deps.organizations,
    roles: deps.roles,
    log: deps.log,
    now: deps.now,
  });
  return {
    service,
    // An anonymous event or page is built from its scope's cached value plus live availability.
    publicAnswers: [
      {
        path: 'events.get',
        scopes: (input) => {
          const parsed = eventIdInputSchema.safeParse(input);
          return parsed.success ? [eventScope(parsed.data.id)] : undefined;
        },
        generations: cache,
      },
      { path: 'events.list', scopes: () => [LIST_SCOPE], generations: cache },
    ],
    schedules: [
      {
        queue: EVENTS_JOBS_QUEUE,
        name: 'complete-ended-events',
        everyMs: 60_000,
        handler: async () => {
          const completed = await service.completeEnded();
          if (completed > 0) deps.log.info({ completed }, 'events completed');
        },
      },
    ],
    close: () => cache.close(),
  };
}
