import type { RetentionRule } from '@evently/platform';
import { sql } from 'kysely';

/**
 * Sessions that ended (expired, or revoked) before the cutoff, with their refresh-token history
 * (deleted by cascade). An ended session's tokens are refused anyway; after the window a token
 * of it is unknown rather than revoked, which refuses it just the same.
 */
export const sessionsRetention: RetentionRule = {
  name: 'sessions',
  async prune(db, cutoff, limit) {
    const result = await sql`
      DELETE FROM sessions WHERE id IN (
        SELECT id FROM sessions
        WHERE LEAST(expires_at, coalesce(revoked_at, expires_at)) < ${cutoff}
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  },
};

/** One-time codes that expired before the cutoff (used or not, they can no longer be used). */
export const otpCodesRetention: RetentionRule = {
  name: 'otp-codes',
  async prune(db, cutoff, limit) {
    const result = await sql`
      DELETE FROM otp_codes WHERE id IN (
        SELECT id FROM otp_codes WHERE expires_at < ${cutoff}
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  },
};
