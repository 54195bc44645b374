import type { Database } from '@evently/db';
import { type RetentionRule, runRetention, type Schedule } from '@evently/platform';
import type { Kysely } from 'kysely';
import type { Clock } from '../kernel/clock.js';
import type { RequestLog } from '../kernel/log.js';

export const RETENTION_QUEUE = 'jobs.retention';
export const RETENTION_JOB = 'prune-finished-records';
export const RETENTION_EVERY_MS = 15 * 60_000;

/**
 * The worker's retention pass (RETENTION_DAYS), in bounded chunks, over every rule the modules
 * register (and the outbox's). Kept on purpose, so no rule: bookings, waitlist entries, users,
 * events, the audit log (the history an operator or a dispute needs) and the analytics series.
 */
export function retentionSchedule(deps: {
  db: Kysely<Database>;
  rules: readonly RetentionRule[];
  days: number;
  log: RequestLog;
  now: Clock;
}): Schedule {
  return {
    queue: RETENTION_QUEUE,
    name: RETENTION_JOB,
    everyMs: RETENTION_EVERY_MS,
    handler: async () => {
      const deleted = await runRetention({
        db: deps.db,
        rules: deps.rules,
        days: deps.days,
        now: deps.now,
      });
      if (Object.values(deleted).some((n) => n > 0)) {
        deps.log.info({ deleted, days: deps.days }, 'finished records pruned');
      }
    },
  };
}
