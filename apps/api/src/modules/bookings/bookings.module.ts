import type { Database } from '@evently/db';
import type { LockPort, QueuePort } from '@evently/platform';
import type { Kysely } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import type { RequestLog } from '../../kernel/log.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import type { Module } from '../../kernel/module.js';
import type { EventLockPolicy } from './allocator.js';
import { createBookingsConsumer } from './bookings.consumer.js';
import { type BookingsWorkerService, createBookingsService } from './bookings.service.js';
import type { CancellationRefunds } from './cancellation-refunds.js';
import {
  ARM_EVERY_MS,
  ARM_EXPIRIES_JOB,
  armHoldExpiries,
  BOOKING_JOBS_QUEUE,
  expireHoldJob,
} from './hold-expiry.js';
import { idempotencyKeysRetention } from './idempotency-retention.js';

/**
 * Bookings and the waitlist: the service, the reaction to a cancelled event, the exact expiry of
 * every hold (a delayed job per hold, re-armed and swept in case one is lost) and the closing of
 * waitlists once sales have ended.
 */
export function createBookingsModule(deps: {
  db: Kysely<Database>;
  locks: LockPort;
  queue: QueuePort;
  log: RequestLog;
  /** BOOKING_HOLD_MINUTES and WAITLIST_OFFER_MINUTES. */
  holdMinutes: number;
  offerMinutes: number;
  /** BOOKING_EVENT_LOCK. */
  eventLock: EventLockPolicy;
  roles: MemberRoles;
  /** The payments module's record of what cancelled paid bookings are owed. */
  refunds: CancellationRefunds;
  now: Clock;
}): Module<BookingsWorkerService> {
  const { log, now } = deps;
  const service = createBookingsService(deps);
  return {
    service,
    consumers: [createBookingsConsumer(service)],
    // Exact expiry: a delayed job at expiresAt for every hold.
    jobs: [
      expireHoldJob({ expireHoldIfDue: service.expireHoldIfDue, queue: deps.queue, log, now }),
    ],
    schedules: [
      {
        // Sales closed with people still waiting: their places are closed and they are told.
        // Seats that came free without a release (a quota raised, a voucher's contingent over,
        // a type's sales opening) go to the lines.
        queue: BOOKING_JOBS_QUEUE,
        name: 'serve-waitlists',
        everyMs: 60_000,
        handler: async () => {
          const { closed, offered } = await service.serveWaitlists();
          if (closed > 0 || offered > 0) log.info({ closed, offered }, 'waitlists served');
        },
      },
      {
        // Exact expiry even for holds whose job was never added (their instance died first).
        queue: BOOKING_JOBS_QUEUE,
        name: ARM_EXPIRIES_JOB,
        everyMs: ARM_EVERY_MS,
        handler: async () => {
          await armHoldExpiries({ db: deps.db, queue: deps.queue, now });
        },
      },
      {
        // The safety net: holds whose delayed job was lost (Redis restarted empty, say).
        queue: BOOKING_JOBS_QUEUE,
        name: 'sweep-expired-holds',
        everyMs: 15_000,
        handler: async () => {
          const expired = await service.sweepExpiredHolds();
          if (expired > 0) log.info({ expired }, 'expired holds swept');
        },
      },
    ],
    retention: [idempotencyKeysRetention],
    close: async () => {},
  };
}
