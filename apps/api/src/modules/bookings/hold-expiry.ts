import type { JobHandlerSpec, QueuePort } from '@evently/platform';
import { z } from 'zod';
import type { RequestLog } from '../../trpc/context.js';
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

/** An exact delayed job per hold; if Redis loses it, the sweeper expires the hold anyway. */
export function scheduleHoldExpiry(
  queue: QueuePort,
  holds: BookingRow[],
  now: Date,
  log: RequestLog,
): void {
  if (holds.length === 0) return;
  const jobs = holds.map((hold) => ({
    name: EXPIRE_JOB,
    data: { bookingId: hold.id },
    options: {
      jobId: `expire.${hold.id}`,
      delayMs: Math.max(0, (hold.expires_at?.getTime() ?? now.getTime()) - now.getTime()),
    },
  }));
  queue.addBulk(BOOKING_JOBS_QUEUE, jobs).catch((error: unknown) => {
    log.warn(
      { err: error, holds: holds.length },
      'cannot schedule hold expiry; the sweeper will expire them',
    );
  });
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
