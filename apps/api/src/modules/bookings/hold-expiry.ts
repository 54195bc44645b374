import type { Database } from '@evently/db';
import type { JobHandlerSpec, QueuePort } from '@evently/platform';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { RequestLog } from '../../kernel/log.js';
import type { BookingRow } from './bookings.repository.js';

export const BOOKING_JOBS_QUEUE = 'jobs.bookings';
export const EXPIRE_JOB = 'expire-hold';
/** Early firings re-scheduled in a row before the job leaves the hold to the sweeper. */
const MAX_EARLY_FIRINGS = 10;

const expireJobSchema = z.object({
  bookingId: z.uuid(),
  /** How many times this hold's job already fired before its expiresAt. */
  early: z.int().min(1).max(MAX_EARLY_FIRINGS).optional(),
});

/** What one expiry attempt found: expired now, or still a pending hold not due until then. */
export interface HoldExpiry {
  expired: boolean;
  notDueUntil: Date | null;
}

export const ARM_EXPIRIES_JOB = 'arm-hold-expiries';
/** How often the worker's arming pass runs. */
export const ARM_EVERY_MS = 15_000;
/** How far ahead it looks: three passes, so a hold is armed again even if two are missed. */
export const ARM_HORIZON_MS = 3 * ARM_EVERY_MS;
/** Holds armed per pass at most (the soonest first); their own jobs cover the rest. */
const ARM_LIMIT = 2_000;
const ADD_CHUNK = 500;

type Hold = Pick<BookingRow, 'id' | 'expires_at'>;

/** Adds the exact job of each hold, under its stable id (adding it again changes nothing). */
async function addExpiryJobs(queue: QueuePort, holds: Hold[], now: Date): Promise<void> {
  for (let i = 0; i < holds.length; i += ADD_CHUNK) {
    const jobs = holds.slice(i, i + ADD_CHUNK).map((hold) => ({
      name: EXPIRE_JOB,
      data: { bookingId: hold.id },
      options: {
        jobId: `expire.${hold.id}`,
        delayMs: Math.max(0, (hold.expires_at?.getTime() ?? now.getTime()) - now.getTime()),
      },
    }));
    await queue.addBulk(BOOKING_JOBS_QUEUE, jobs);
  }
}

/**
 * An exact delayed job per hold, right after the commit. If this process dies first or Redis
 * loses the job, the worker's arming pass adds it again before the hold is due (and the sweeper
 * expires whatever is past due anyway).
 */
export function scheduleHoldExpiry(
  queue: QueuePort,
  holds: BookingRow[],
  now: Date,
  log: RequestLog,
): void {
  if (holds.length === 0) return;
  addExpiryJobs(queue, holds, now).catch((error: unknown) => {
    log.warn(
      { err: error, holds: holds.length },
      'cannot schedule hold expiry; the worker will arm it again',
    );
  });
}

/**
 * The worker's arming pass: every pending hold (or offer) due within the horizon gets its exact
 * job again under the same id — a no-op for the holds that have theirs, the job itself for a
 * hold whose instance was killed between its commit and the scheduling, or whose job a Redis
 * restart lost. Derived from the bookings table, the truth, so nothing else must survive the
 * kill. Returns how many holds it armed.
 */
export async function armHoldExpiries(deps: {
  db: Kysely<Database>;
  queue: QueuePort;
  now: () => Date;
  horizonMs?: number;
}): Promise<number> {
  const now = deps.now();
  const holds = await deps.db
    .selectFrom('bookings')
    .select(['id', 'expires_at'])
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .where('expires_at', '<=', new Date(now.getTime() + (deps.horizonMs ?? ARM_HORIZON_MS)))
    .orderBy('expires_at')
    .limit(ARM_LIMIT)
    .execute();
  await addExpiryJobs(deps.queue, holds, now);
  return holds.length;
}

/**
 * The worker's `expire-hold` handler. The job was delayed by the clock of the API that made the
 * hold; if it runs before expiresAt by this process's clock (skew), it schedules itself again
 * for the time that remains instead of leaving the hold to the 15 s sweeper. A failure to
 * schedule fails the job, so the queue retries it.
 */
export function expireHoldJob(deps: {
  expireHoldIfDue(bookingId: string): Promise<HoldExpiry>;
  queue: QueuePort;
  log: RequestLog;
  now: () => Date;
}): JobHandlerSpec {
  return {
    queue: BOOKING_JOBS_QUEUE,
    name: EXPIRE_JOB,
    handler: async (job) => {
      const { bookingId, early = 0 } = expireJobSchema.parse(job.data);
      const { notDueUntil } = await deps.expireHoldIfDue(bookingId);
      if (!notDueUntil) return;
      const remainingMs = Math.max(0, notDueUntil.getTime() - deps.now().getTime());
      if (early >= MAX_EARLY_FIRINGS) {
        deps.log.warn(
          { bookingId, remainingMs, early },
          'hold expiry keeps firing early; the sweeper will expire it',
        );
        return;
      }
      deps.log.debug({ bookingId, remainingMs }, 'hold expiry fired early; scheduled again');
      // A job id of its own: the one running now still holds `expire.<bookingId>`.
      await deps.queue.add(BOOKING_JOBS_QUEUE, {
        name: EXPIRE_JOB,
        data: { bookingId, early: early + 1 },
        options: { jobId: `expire.${bookingId}.early.${early + 1}`, delayMs: remainingMs },
      });
    },
  };
}
