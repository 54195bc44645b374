import type { Database } from '@evently/db';
import type { Platform } from '@evently/platform';
import type { Kysely } from 'kysely';
import type { RequestLog } from './kernel/log.js';
import { createStreamGuards } from './kernel/stream-guard.js';
import { createAnalyticsService } from './modules/analytics/analytics.service.js';
import { createLiveHub } from './modules/analytics/live-hub.js';
import { type AuthConfig, createAuthService } from './modules/auth/auth.service.js';
import { createSessionChanges } from './modules/auth/session-changes.js';
import { createBookingsService } from './modules/bookings/bookings.service.js';
import { createEventsModule } from './modules/events/events.module.js';
import { createDeadLettersService } from './modules/notifications/dead-letters.service.js';
import { createSystemService, type Mode } from './modules/system/system.service.js';
import { createOperationsService } from './observability/operations.service.js';
import { WORKER_QUEUES } from './observability/worker-queues.js';
import type { Services } from './services.js';
import { createAnonymousReadLimit } from './trpc/anonymous-read-limit.js';

export interface ServicesDeps {
  db: Kysely<Database>;
  platform: Pick<Platform, 'cache' | 'rateLimits' | 'pubsub' | 'locks' | 'queue'>;
  auth: AuthConfig;
  /** BOOKING_HOLD_MINUTES and WAITLIST_OFFER_MINUTES (defaults 15 and 30). */
  bookings?: { holdMinutes: number; offerMinutes: number };
  /** ANONYMOUS_READS_PER_MINUTE (default 1,200 per client network). */
  anonymousReadsPerMinute?: number;
  mode: Mode;
  version: string;
  log: RequestLog;
  now?: () => Date;
  /** How often a stream's access is checked without a published revocation. Default 3 s. */
  streamCheckMs?: number;
}

/** Every module's service, wired to the database and the ports. */
export async function createServices(deps: ServicesDeps): Promise<Services> {
  const now = deps.now ?? (() => new Date());
  const sessionChanges = createSessionChanges({ pubsub: deps.platform.pubsub, log: deps.log });
  const events = createEventsModule({
    db: deps.db,
    platform: deps.platform,
    offerMinutes: deps.bookings?.offerMinutes ?? 30,
    log: deps.log,
    now,
  });
  return {
    events,
    analytics: createAnalyticsService({
      db: deps.db,
      hub: createLiveHub({ db: deps.db, pubsub: deps.platform.pubsub, log: deps.log }),
      events,
      now,
    }),
    bookings: createBookingsService({
      db: deps.db,
      locks: deps.platform.locks,
      queue: deps.platform.queue,
      log: deps.log,
      holdMinutes: deps.bookings?.holdMinutes ?? 15,
      offerMinutes: deps.bookings?.offerMinutes ?? 30,
      now,
    }),
    deadLetters: createDeadLettersService({ db: deps.db }),
    anonymousReads: createAnonymousReadLimit({
      rateLimits: deps.platform.rateLimits,
      log: deps.log,
      ...(deps.anonymousReadsPerMinute !== undefined && {
        perMinute: deps.anonymousReadsPerMinute,
      }),
    }),
    operations: createOperationsService({
      db: deps.db,
      queue: deps.platform.queue,
      queues: WORKER_QUEUES,
    }),
    streams: createStreamGuards({
      revocations: sessionChanges,
      intervalMs: deps.streamCheckMs ?? 3_000,
      log: deps.log,
    }),
    system: createSystemService({
      name: 'evently-api',
      version: deps.version,
      mode: deps.mode,
      now,
    }),
    auth: await createAuthService({
      db: deps.db,
      cache: deps.platform.cache,
      rateLimits: deps.platform.rateLimits,
      config: deps.auth,
      log: deps.log,
      now,
      sessionChanges,
    }),
  };
}
