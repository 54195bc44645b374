import type { DbHandle } from '@evently/db';
import { createWorker, type Platform } from '@evently/platform';
import type { Logger } from 'pino';
import { createAnalyticsWorker } from '../modules/analytics/analytics.worker.js';
import { createBookingsConsumer } from '../modules/bookings/bookings.consumer.js';
import { createBookingsService } from '../modules/bookings/bookings.service.js';
import {
  ARM_EVERY_MS,
  ARM_EXPIRIES_JOB,
  armHoldExpiries,
  BOOKING_JOBS_QUEUE,
  expireHoldJob,
} from '../modules/bookings/hold-expiry.js';
import { createEventsModule } from '../modules/events/events.module.js';
import {
  EVENT_REMINDERS_EVERY_MS,
  EVENT_REMINDERS_JOB,
  MAIL_JOBS_QUEUE,
  queueEventReminders,
} from '../modules/notifications/event-reminders.job.js';
import { createMailSender, type MailSenderOptions } from '../modules/notifications/mail-sender.js';
import { createConsumers } from './consumers.js';
import { retentionSchedule } from './retention.job.js';

export interface WorkerRuntime {
  stop(): Promise<void>;
}

/**
 * The modules' consumers and jobs, run by the platform's worker machinery (outbox relay,
 * reconciler, queue workers). This lives beside the modules because the jobs are theirs; the
 * worker process (apps/worker) only hosts it.
 *
 * The worker as both entry points run it: alone (`pnpm start:worker`) or inside the API process
 * (`pnpm start`). The caller owns the database and the platform and closes them after stop().
 */
export async function startWorkerRuntime(deps: {
  db: DbHandle;
  platform: Platform;
  log: Logger;
  bookings?: { holdMinutes: number; offerMinutes: number };
  /** RETENTION_DAYS (default 30). */
  retentionDays?: number;
  /** The mail sender's retries, concurrency and polling (tests shorten them). */
  mail?: MailSenderOptions;
  /** The clock the jobs decide by (tests move it). */
  now?: () => Date;
}): Promise<WorkerRuntime> {
  const now = deps.now ?? (() => new Date());
  const events = createEventsModule({
    db: deps.db.db,
    platform: deps.platform,
    offerMinutes: deps.bookings?.offerMinutes ?? 30,
    log: deps.log,
    now,
  });
  const bookings = createBookingsService({
    db: deps.db.db,
    locks: deps.platform.locks,
    queue: deps.platform.queue,
    log: deps.log,
    holdMinutes: deps.bookings?.holdMinutes ?? 15,
    offerMinutes: deps.bookings?.offerMinutes ?? 30,
    now,
  });
  const analytics = createAnalyticsWorker({
    db: deps.db.db,
    pubsub: deps.platform.pubsub,
    log: deps.log,
    now,
  });
  const worker = createWorker({
    db: deps.db,
    queue: deps.platform.queue,
    log: deps.log,
    consumers: [
      ...createConsumers({ mailer: deps.platform.mailer }),
      createBookingsConsumer(bookings),
      analytics.consumer,
    ],
    jobs: [
      ...analytics.jobs,
      // Exact expiry: a delayed job at expiresAt for every hold.
      expireHoldJob({
        expireHoldIfDue: bookings.expireHoldIfDue,
        queue: deps.platform.queue,
        log: deps.log,
        now,
      }),
    ],
    schedules: [
      ...analytics.schedules,
      retentionSchedule({ db: deps.db.db, days: deps.retentionDays ?? 30, log: deps.log, now }),
      {
        // A reminder a day before each event, once per confirmed booking.
        queue: MAIL_JOBS_QUEUE,
        name: EVENT_REMINDERS_JOB,
        everyMs: EVENT_REMINDERS_EVERY_MS,
        handler: async () => {
          const queued = await queueEventReminders(deps.db.db, now());
          if (queued > 0) deps.log.info({ queued }, 'event reminders queued');
        },
      },
      {
        queue: 'jobs.events',
        name: 'complete-ended-events',
        everyMs: 60_000,
        handler: async () => {
          const completed = await events.completeEnded();
          if (completed > 0) deps.log.info({ completed }, 'events completed');
        },
      },
      {
        // Sales closed with people still waiting: their places are closed and they are told.
        queue: BOOKING_JOBS_QUEUE,
        name: 'close-ended-waitlists',
        everyMs: 60_000,
        handler: async () => {
          const closed = await bookings.closeEndedWaitlists();
          if (closed > 0) deps.log.info({ closed }, 'waitlists closed after sales');
        },
      },
      {
        // Exact expiry even for holds whose job was never added (their instance died first).
        queue: BOOKING_JOBS_QUEUE,
        name: ARM_EXPIRIES_JOB,
        everyMs: ARM_EVERY_MS,
        handler: async () => {
          await armHoldExpiries({ db: deps.db.db, queue: deps.platform.queue, now });
        },
      },
      {
        // The safety net: holds whose delayed job was lost (Redis restarted empty, say).
        queue: BOOKING_JOBS_QUEUE,
        name: 'sweep-expired-holds',
        everyMs: 15_000,
        handler: async () => {
          const expired = await bookings.sweepExpiredHolds();
          if (expired > 0) deps.log.info({ expired }, 'expired holds swept');
        },
      },
    ],
  });
  // Sends what the mail consumer and the reminder job queue in sent_emails (no Redis involved).
  const mailSender = createMailSender({
    db: deps.db,
    mailer: deps.platform.mailer,
    log: deps.log,
    ...deps.mail,
  });
  await worker.start();
  await mailSender.start();
  return {
    async stop() {
      await worker.stop();
      await mailSender.stop();
    },
  };
}
