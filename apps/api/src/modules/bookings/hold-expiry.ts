import type { QueuePort } from '@evently/platform';
import type { RequestLog } from '../../trpc/context.js';
import type { BookingRow } from './bookings.repository.js';

export const BOOKING_JOBS_QUEUE = 'jobs.bookings';
export const EXPIRE_JOB = 'expire-hold';

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
