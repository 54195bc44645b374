import type { Database } from '@evently/db';
import { ipRateLimitKey } from '@evently/platform';
import type { Kysely } from 'kysely';
import { authRepository as repo } from './auth.repository.js';
import { type CeilingAttempt, rateLimited } from './auth-rate-limits.js';

/** Matches no account: lookups made for an unknown email, to take the time a known one takes. */
const NO_USER = '00000000-0000-0000-0000-000000000000';

/**
 * When an account's ceiling of attempts from everywhere is spent, its owner's own networks (those
 * its live sessions were used from) still get through, pair-limited, so a distributed guesser
 * cannot lock the owner out; anyone else gets RATE_LIMITED. Asked for an unknown email too (no
 * account: no network passes), so both take the same time and give the same answer.
 */
export async function refuseUnlessKnownNetwork(
  db: Kysely<Database>,
  now: Date,
  attempt: CeilingAttempt,
  userId: string | undefined,
  ip: string,
): Promise<void> {
  if (attempt.ceilingRetryAfterSeconds === null) return;
  const networks = await repo.recentSessionIps(db, userId ?? NO_USER, now);
  const key = ipRateLimitKey(ip);
  if (!networks.some((known) => known !== null && ipRateLimitKey(known) === key)) {
    throw rateLimited(attempt.ceilingRetryAfterSeconds);
  }
}
