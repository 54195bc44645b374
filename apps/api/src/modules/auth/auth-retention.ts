import { finishedRowsRule } from '@evently/platform';
import { sql } from 'kysely';

/**
 * Sessions that ended (expired, or revoked) before the cutoff, with their refresh-token history
 * (deleted by cascade). An ended session's tokens are refused anyway; after the window a token
 * of it is unknown rather than revoked, which refuses it just the same.
 */
export const sessionsRetention = finishedRowsRule({
  name: 'sessions',
  table: 'sessions',
  finishedBefore: (cutoff) => sql`LEAST(expires_at, coalesce(revoked_at, expires_at)) < ${cutoff}`,
});

/** One-time codes that expired before the cutoff (used or not, they can no longer be used). */
export const otpCodesRetention = finishedRowsRule({
  name: 'otp-codes',
  table: 'otp_codes',
  finishedBefore: (cutoff) => sql`expires_at < ${cutoff}`,
});
