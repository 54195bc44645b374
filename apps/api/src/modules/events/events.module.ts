import type { Database } from '@evently/db';
import type { Platform } from '@evently/platform';
import type { Kysely } from 'kysely';
import { createVersionedCache } from '../../cache/versioned-cache.js';
import type { RequestLog } from '../../kernel/log.js';
import { createInventoryService } from '../bookings/inventory.service.js';
import { createEventsService, type EventsService } from './events.service.js';

/**
 * The events service with its read cache (an LRU per process in front of the cache port,
 * generations for correctness, pub/sub for eviction). Used by the API and by the worker's jobs.
 */
export function createEventsModule(deps: {
  db: Kysely<Database>;
  platform: Pick<Platform, 'cache' | 'pubsub' | 'queue'>;
  /** WAITLIST_OFFER_MINUTES: a capacity increase offers the new seats to the waitlist. */
  offerMinutes: number;
  log: RequestLog;
  now: () => Date;
}): EventsService {
  const cache = createVersionedCache({
    cache: deps.platform.cache,
    pubsub: deps.platform.pubsub,
    log: deps.log,
  });
  // Not awaited: with Redis down the subscription waits for it, and start-up must not (reads are
  // correct without it; it only speeds up eviction of other instances' LRU entries).
  cache
    .start()
    .catch((error: unknown) => deps.log.warn({ err: error }, 'cache eviction channel unavailable'));
  return createEventsService({
    db: deps.db,
    cache,
    inventory: createInventoryService({
      db: deps.db,
      queue: deps.platform.queue,
      offerMinutes: deps.offerMinutes,
      log: deps.log,
      now: deps.now,
    }),
    log: deps.log,
    now: deps.now,
  });
}
