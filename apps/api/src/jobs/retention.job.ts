import type { Database } from '@evently/db';
import {
  outboxRetention,
  type RetentionRule,
  runRetention,
  type Schedule,
} from '@evently/platform';
import type { Kysely } from 'kysely';
import type { RequestLog } from '../kernel/log.js';
import { otpCodesRetention, sessionsRetention } from '../modules/auth/auth-retention.js';
import { idempotencyKeysRetention } from '../modules/bookings/idempotency-retention.js';
import { sentEmailsRetention } from '../modules/notifications/sent-emails-retention.js';

export const RETENTION_QUEUE = 'jobs.retention';
export const RETENTION_JOB = 'prune-finished-records';
export const RETENTION_EVERY_MS = 15 * 60_000;

/**
 * Every table that would otherwise grow without limit with records nothing acts on any more.
 * Kept on purpose: bookings, waitlist entries, users, events, the audit log (the history an
 * operator or a dispute needs) and the analytics series (the figures themselves).
 */
export const RETENTION_RULES: readonly RetentionRule[] = [
  outboxRetention,
  sentEmailsRetention,
  sessionsRetention,
  otpCodesRetention,
  idempotencyKeysRetention,
];

/** The worker's retention pass (RETENTION_DAYS), in bounded chunks. */
export function retentionSchedule(deps: {
  db: Kysely<Database>;
  days: number;
  log: RequestLog;
  now: () => Date;
}): Schedule {
  return {
    queue: RETENTION_QUEUE,
    name: RETENTION_JOB,
    everyMs: RETENTION_EVERY_MS,
    handler: async () => {
      const deleted = await runRetention({
        db: deps.db,
        rules: RETENTION_RULES,
        days: deps.days,
        now: deps.now,
      });
      if (Object.values(deleted).some((n) => n > 0)) {
        deps.log.info({ deleted, days: deps.days }, 'finished records pruned');
      }
    },
  };
}
