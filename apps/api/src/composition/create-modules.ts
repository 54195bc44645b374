import { randomBytes } from 'node:crypto';
import { createReadReplica, type DbHandle } from '@evently/db';
import {
  type Consumer,
  consumerQueueName,
  type JobHandlerSpec,
  outboxRetention,
  type Platform,
  type RetentionRule,
  type Schedule,
} from '@evently/platform';
import type { Logger } from 'pino';
import { createPublicAnswers, PUBLIC_READ_MAX_AGE_MS } from '../cache/public-answers.js';
import { throttledWarning } from '../cache/throttled-warning.js';
import { type Clock, systemClock } from '../kernel/clock.js';
import type { BackgroundLoop, Module } from '../kernel/module.js';
import { createStreamGuards } from '../kernel/stream-guard.js';
import { createAnalyticsModule } from '../modules/analytics/analytics.module.js';
import { createApiKeysModule } from '../modules/api-keys/api-keys.module.js';
import { createAuthModule } from '../modules/auth/auth.module.js';
import type { AuthConfig } from '../modules/auth/auth.service.js';
import type { EventLockPolicy } from '../modules/bookings/allocator.js';
import { bookingSnapshots } from '../modules/bookings/booking-snapshots.js';
import { createBookingsModule } from '../modules/bookings/bookings.module.js';
import { createInventoryService } from '../modules/bookings/inventory.service.js';
import { createEventSnapshots } from '../modules/events/event-snapshots.js';
import { createEventsModule } from '../modules/events/events.module.js';
import type { MailSenderOptions } from '../modules/notifications/mail-sender.js';
import { createNotificationsModule } from '../modules/notifications/notifications.module.js';
import { createOrganizationsModule } from '../modules/organizations/organizations.module.js';
import { createPaymentsModule } from '../modules/payments/payments.module.js';
import { createRefundLedger } from '../modules/payments/refund-ledger.js';
import type { StripeConfig } from '../modules/payments/stripe-gateway.js';
import type { StripeWebhook } from '../modules/payments/stripe-webhook.js';
import { createSeatingModule } from '../modules/seating/seating.module.js';
import { createSystemService, type Mode } from '../modules/system/system.service.js';
import { createTicketTypesModule } from '../modules/ticket-types/ticket-types.module.js';
import { createTicketsModule } from '../modules/tickets/tickets.module.js';
import { createVouchersModule } from '../modules/vouchers/vouchers.module.js';
import { createWebhooksModule, type WebhooksConfig } from '../modules/webhooks/webhooks.module.js';
import { createOperationsService } from '../observability/operations.service.js';
import type { Services } from '../services.js';
import { createAnonymousReadLimit } from '../trpc/anonymous-read-limit.js';
import { APP_VERSION } from './app-version.js';
import { retentionSchedule } from './retention-schedule.js';

/** What the modules are configured with: the parts of the env each concern reads. */
export interface ModulesConfig {
  /**
   * Token lifetimes and the signing secret. A worker process issues and verifies no tokens, so
   * it goes without: its auth module (whose service nothing calls there) gets a throwaway
   * secret, and the deployment's secret stays with the API processes.
   */
  auth?: AuthConfig;
  /** BOOKING_HOLD_MINUTES, WAITLIST_OFFER_MINUTES, BOOKING_EVENT_LOCK (15, 30, contended). */
  bookings?: { holdMinutes: number; offerMinutes: number; eventLock?: EventLockPolicy };
  /** RETENTION_DAYS (default 30). */
  retentionDays?: number;
  /** ANONYMOUS_READS_PER_MINUTE (default 1,200 per client network). */
  anonymousReadsPerMinute?: number;
  /** API_KEY_REQUESTS_PER_MINUTE (default 1,200 per key). */
  apiKeyRequestsPerMinute?: number;
  /**
   * PUBLIC_READ_MAX_AGE_MS: how old the live availability in an anonymous `events.get` or
   * `events.list` answer kept in memory may be (default 1,000; 0 keeps none).
   */
  publicReadMaxAgeMs?: number;
  /** How often a stream's access is checked without a published revocation. Default 3 s. */
  streamCheckMs?: number;
  /** The mail sender's retries, concurrency and polling (tests shorten them). */
  mailSender?: MailSenderOptions;
  /** STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (unset: payments are marked by managers). */
  stripe?: StripeConfig | undefined;
  /**
   * TICKET_SIGNING_KEY (an Ed25519 private key) and whether one is required (NODE_ENV=production);
   * without one, the database keeps a key of its own.
   */
  tickets?: { signingKey?: string | undefined; requireKey?: boolean } | undefined;
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS (default false), and the delivery worker's pace (tests). */
  webhooks?: WebhooksConfig | undefined;
  mode: Mode;
  /** Default: the API package's version. */
  version?: string;
}

/** The ports the modules use (every one of `Platform`'s, minus its lifecycle). */
export type ModulePorts = Pick<
  Platform,
  'cache' | 'rateLimits' | 'pubsub' | 'locks' | 'queue' | 'mailer'
>;

export interface ModulesDeps {
  db: DbHandle;
  /**
   * A streaming replica of `db` (DATABASE_REPLICA_URL) for the public lists, which tolerate
   * lag; every other read and every decision uses `db`.
   */
  replica?: DbHandle | undefined;
  platform: ModulePorts;
  config: ModulesConfig;
  log: Logger;
  /** The clock every module decides by (tests move it). */
  now?: Clock;
}

/** What a worker process runs: every module's share, gathered. */
export interface WorkerParts {
  consumers: readonly Consumer[];
  jobs: readonly JobHandlerSpec[];
  schedules: readonly Schedule[];
  loops: readonly BackgroundLoop[];
  retention: readonly RetentionRule[];
  /** Every queue the worker serves (what /metrics reports the depth of). */
  queues: readonly string[];
}

export interface Modules {
  /** What procedures reach through the tRPC context. */
  services: Services;
  /** What plain HTTP routes reach (kept off `Services`, whose types the SDK's declarations carry). */
  http: { stripeWebhook: StripeWebhook | undefined };
  worker: WorkerParts;
  /** Closes every module (subscriptions, timers); the caller closes the ports afterwards. */
  close(): Promise<void>;
}

/**
 * The one composition root: the API process, the worker process and the test harness all build
 * the application here, so a module is wired once and its jobs cannot be forgotten by one of
 * them.
 */
export async function createModules(deps: ModulesDeps): Promise<Modules> {
  const { db, platform, config, log } = deps;
  const now = deps.now ?? systemClock;
  const offerMinutes = config.bookings?.offerMinutes ?? 30;

  const auth = await createAuthModule({
    db: db.db,
    platform,
    config: config.auth ?? {
      jwtSecret: randomBytes(48).toString('base64url'),
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 86_400,
    },
    log,
    now,
  });
  const replicaFailed = throttledWarning(log, 'read replica failed; reading the primary');
  const reads = createReadReplica({
    primary: db.db,
    replica: deps.replica?.db,
    // The code and message only: pg hangs the client, whose parameters hold the password, on it.
    onFallback: (error, away) =>
      replicaFailed({
        code: (error as { code?: unknown }).code,
        reason: error instanceof Error ? error.message : String(error),
        away,
      }),
  });
  const organizations = createOrganizationsModule({
    db: db.db,
    cache: platform.cache,
    accessChanges: auth.accessChanges,
    log,
    now,
  });
  // Seats as other modules change them: opened and resized by events, freed for the waitlist
  // by ticket types' and vouchers' changes.
  const inventory = createInventoryService({
    db: db.db,
    reads,
    queue: platform.queue,
    offerMinutes,
    log,
    now,
  });
  const events = createEventsModule({
    db: db.db,
    reads,
    platform,
    organizations: organizations.ownership,
    roles: organizations.service.roles,
    inventory,
    log,
    now,
  });
  // What cancelled paid bookings are owed, recorded in the cancellation's transaction: built
  // before bookings, which record through it, and handed to payments, which pays it back.
  const refundLedger = createRefundLedger({ stripeEnabled: config.stripe !== undefined });
  const bookings = createBookingsModule({
    db: db.db,
    locks: platform.locks,
    queue: platform.queue,
    log,
    holdMinutes: config.bookings?.holdMinutes ?? 15,
    offerMinutes,
    eventLock: config.bookings?.eventLock ?? 'contended',
    roles: organizations.service.roles,
    refunds: refundLedger,
    now,
  });
  const payments = createPaymentsModule({
    db: db.db,
    bookings: bookings.service,
    ledger: refundLedger,
    roles: organizations.service.roles,
    stripe: config.stripe,
    log,
    now,
  });
  const ticketTypes = createTicketTypesModule({
    db: db.db,
    roles: organizations.service.roles,
    inventory,
    now,
  });
  const vouchers = createVouchersModule({
    db: db.db,
    rateLimits: platform.rateLimits,
    roles: organizations.service.roles,
    inventory,
    now,
  });
  const seating = createSeatingModule({
    db: db.db,
    roles: organizations.service.roles,
    now,
    log,
  });
  const tickets = createTicketsModule({
    db: db.db,
    roles: organizations.service.roles,
    now,
    signingKey: config.tickets?.signingKey,
    production: config.tickets?.requireKey ?? false,
  });
  // Every process signs (the API's answers, the worker's confirmation mails): the key is read
  // now, so a missing or bad one stops the start, and no delivery transaction waits for it.
  await tickets.loadKeys();
  const analytics = createAnalyticsModule({
    db: db.db,
    pubsub: platform.pubsub,
    events: events.service,
    roles: organizations.service.roles,
    log,
    now,
  });
  const notifications = createNotificationsModule({
    db,
    mailer: platform.mailer,
    log,
    now,
    tickets: tickets.mailed,
    ...(config.mailSender && { sender: config.mailSender }),
  });
  // Webhooks read each resource as the API answers it, from the modules that own it.
  const webhooks = createWebhooksModule({
    db,
    roles: organizations.service.roles,
    sources: {
      ...createEventSnapshots(inventory),
      ...bookingSnapshots,
      ...tickets.snapshots,
    },
    log,
    now,
    config: config.webhooks,
  });
  const apiKeys = createApiKeysModule({
    db: db.db,
    cache: platform.cache,
    rateLimits: platform.rateLimits,
    roles: organizations.service.roles,
    announce: (ids) =>
      auth.sessionChanges.publish(ids).catch((error: unknown) => {
        log.warn({ err: error }, 'cannot announce an API key revocation; streams check soon');
      }),
    perMinute: config.apiKeyRequestsPerMinute,
    log,
    now,
  });
  const modules: readonly Module<unknown>[] = [
    auth,
    organizations,
    apiKeys,
    events,
    bookings,
    payments,
    ticketTypes,
    vouchers,
    seating,
    tickets,
    analytics,
    notifications,
    webhooks,
  ];

  const retention = [outboxRetention, ...modules.flatMap((m) => m.retention ?? [])];
  const schedules = [
    ...modules.flatMap((m) => m.schedules ?? []),
    retentionSchedule({ db: db.db, rules: retention, days: config.retentionDays ?? 30, log, now }),
  ];
  const consumers = modules.flatMap((m) => m.consumers ?? []);
  const jobs = modules.flatMap((m) => m.jobs ?? []);
  const queues = [
    ...new Set([
      ...consumers.map((c) => consumerQueueName(c.name)),
      ...jobs.map((j) => j.queue),
      ...schedules.map((s) => s.queue),
    ]),
  ];

  const streams = createStreamGuards({
    revocations: auth.sessionChanges,
    intervalMs: config.streamCheckMs ?? 3_000,
    log,
  });
  const services: Services = {
    auth: auth.service,
    apiKeys: apiKeys.service,
    events: events.service,
    bookings: bookings.service,
    analytics: analytics.service,
    organizations: organizations.service,
    ticketTypes: ticketTypes.service,
    vouchers: vouchers.service,
    payments: payments.service,
    seating: seating.service,
    tickets: tickets.service,
    checkin: tickets.checkin,
    webhooks: webhooks.service,
    deadLetters: notifications.service,
    system: createSystemService({
      name: 'evently-api',
      version: config.version ?? APP_VERSION,
      mode: config.mode,
      now,
    }),
    operations: createOperationsService({ db: db.db, queue: platform.queue, queues }),
    streams,
    publicAnswers: createPublicAnswers({
      rules: modules.flatMap((m) => m.publicAnswers ?? []),
      maxAgeMs: config.publicReadMaxAgeMs ?? PUBLIC_READ_MAX_AGE_MS,
      now,
    }),
    anonymousReads: createAnonymousReadLimit({
      rateLimits: platform.rateLimits,
      log,
      ...(config.anonymousReadsPerMinute !== undefined && {
        perMinute: config.anonymousReadsPerMinute,
      }),
    }),
  };

  let closed: Promise<void> | undefined;
  return {
    services,
    http: { stripeWebhook: payments.webhook },
    worker: {
      consumers,
      jobs,
      schedules,
      loops: modules.flatMap((m) => m.loops ?? []),
      retention,
      queues,
    },
    close() {
      closed ??= (async () => {
        streams.close();
        // In reverse order of creation: a module may use those created before it.
        for (const module of [...modules].reverse()) await module.close();
      })();
      return closed;
    },
  };
}
