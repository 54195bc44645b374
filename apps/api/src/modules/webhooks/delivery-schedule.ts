/**
 * When a webhook delivery is tried again, when it gives up, and when a webhook that keeps
 * failing is disabled (API.md Part 2). Pure: the worker asks it with the injected clock's time,
 * so tests drive the 24 h and 5 day rules by moving the clock.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface DeliverySchedule {
  /** Waits after the 1st, 2nd, … failed attempt; the last one repeats. */
  backoffMs: readonly number[];
  /** A delivery is tried for this long after it was recorded (or replayed), then `failed`. */
  retryWindowMs: number;
  /** A webhook whose attempts all failed for this long is disabled. */
  disableAfterMs: number;
}

/** Standard Webhooks' suggested schedule (5 s, 5 min, 30 min, 2 h, 5 h, then every 10 h). */
export const DEFAULT_DELIVERY_SCHEDULE: DeliverySchedule = {
  backoffMs: [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR],
  retryWindowMs: DAY,
  disableAfterMs: 5 * DAY,
};

export type AfterFailure = { status: 'failed' } | { status: 'pending'; nextAttemptAt: Date };

/**
 * After the `attempts`-th attempt failed at `now`: `failed` once the window is over, else the
 * next try after its backoff — never later than the window's end, so the last try is made at
 * its end rather than skipped.
 */
export function afterFailure(
  schedule: DeliverySchedule,
  failure: { attempts: number; now: Date; retryUntil: Date },
): AfterFailure {
  const { attempts, now, retryUntil } = failure;
  if (now.getTime() >= retryUntil.getTime()) return { status: 'failed' };
  const waits = schedule.backoffMs;
  const wait = waits[Math.min(Math.max(attempts, 1), waits.length) - 1] ?? 0;
  const next = Math.min(now.getTime() + wait, retryUntil.getTime());
  return { status: 'pending', nextAttemptAt: new Date(next) };
}

/** Whether a webhook failing since `failingSince` is to be disabled at `now`. */
export function disables(schedule: DeliverySchedule, failingSince: Date, now: Date): boolean {
  return now.getTime() - failingSince.getTime() >= schedule.disableAfterMs;
}
