import {
  ipRateLimitKey,
  type RateLimiter,
  type RateLimiterFactory,
  type RateLimitResult,
} from '@evently/platform';
import { AppError } from '../../kernel/app-error.js';

/**
 * [points, window in seconds] per counted subject. `ip` is the client's network (an IPv6 /64 counts
 * as one client, see ipRateLimitKey), `pair` a (network, email) pair, `email` the address typed
 * from everywhere together, `user` the signed-in account.
 *
 * No limit that strangers can spend may stop the owner. Login and typing a code count per
 * (network, email) pair and per network, under an account-wide ceiling of several networks'
 * worth that a network the account signed in from still passes (see known-networks.ts): a
 * guesser's wrong tries lock out only their own network. Asking for a code has no per-email
 * limit at all: what one email can be sent is bounded by its codes' cooldown (otp.ts), and a
 * request the cooldown holds back finds a live code mailed minutes before.
 */
const RULES = {
  login: { ip: [30, 300], pair: [5, 900], email: [100, 3600] },
  register: { ip: [10, 3600], email: [3, 3600] },
  // Asking for a code mails someone: scarce per network and per (network, email).
  resend: { ip: [10, 3600], pair: [5, 3600] },
  resetRequest: { ip: [10, 3600], pair: [5, 3600] },
  // Typing a code: six digits, so the ceiling is low (30 guesses an hour per email and purpose,
  // 3 networks' worth); each code also takes at most 5 attempts (one-time-codes.ts).
  verify: { ip: [30, 600], pair: [10, 3600], email: [30, 3600] },
  reset: { ip: [30, 600], pair: [10, 3600], email: [30, 3600] },
  // A stolen access token must not buy a password oracle.
  changePassword: { ip: [20, 900], user: [5, 900] },
} as const satisfies Record<string, Partial<Record<Subject, readonly [number, number]>>>;

type Subject = 'ip' | 'pair' | 'email' | 'user';
type Rules = typeof RULES;
type ActionCounting<S extends Subject> = {
  [A in keyof Rules]: [keyof Rules[A]] extends [S]
    ? [S] extends [keyof Rules[A]]
      ? A
      : never
    : never;
}[keyof Rules];
/** Limited per network and per email alone. */
export type EmailAction = ActionCounting<'ip' | 'email'>;
/** Limited per network and per (network, email). */
export type PairAction = ActionCounting<'ip' | 'pair'>;
/** Limited per network and per (network, email), under an account-wide ceiling. */
export type CeilingAction = ActionCounting<'ip' | 'pair' | 'email'>;

export interface CeilingAttempt {
  /**
   * Set when the account-wide ceiling is spent: the attempt goes on only from a network the
   * account signed in from. Seconds until the ceiling has room again.
   */
  ceilingRetryAfterSeconds: number | null;
}

export interface AuthRateLimits {
  /** Counts one attempt against the network and the email; throws RATE_LIMITED when either is spent. */
  hit(action: EmailAction, ip: string, email: string): Promise<void>;
  /** Counts one attempt against the network and the pair; throws RATE_LIMITED when either is spent. */
  request(action: PairAction, ip: string, email: string): Promise<void>;
  /**
   * Counts one attempt against the pair, the network and the account's ceiling. Throws
   * RATE_LIMITED when the pair or the network is spent; reports a spent ceiling.
   */
  attempt(action: CeilingAction, ip: string, email: string): Promise<CeilingAttempt>;
  /** After a good password or code: the pair starts over and the ceiling gets its point back. */
  succeeded(action: CeilingAction, ip: string, email: string): Promise<void>;
  /** Counts one password check of a signed-in user; throws RATE_LIMITED when spent. */
  changePassword(ip: string, userId: string): Promise<void>;
  /** After the right current password: the user's count starts over. */
  changePasswordSucceeded(userId: string): Promise<void>;
}

export function rateLimited(retryAfterSeconds: number): AppError {
  return new AppError('RATE_LIMITED', 'Too many attempts; try again later', {
    retryAfterSeconds,
  });
}

const retryAfter = (result: RateLimitResult) => (result.allowed ? 0 : result.retryAfterSeconds);

function throwIfSpent(results: RateLimitResult[]): void {
  const seconds = Math.max(0, ...results.map(retryAfter));
  if (seconds > 0) throw rateLimited(seconds);
}

export function createAuthRateLimits(factory: RateLimiterFactory): AuthRateLimits {
  const limiter = <A extends keyof Rules>(action: A, by: keyof Rules[A] & Subject): RateLimiter => {
    const [points, durationSeconds] = RULES[action][by] as readonly [number, number];
    // The factory hands back the same limiter for the same rule.
    return factory.create({ name: `auth-${action}-${by}`, points, durationSeconds });
  };
  const emailKey = (email: string) => email.toLowerCase();
  const pairKey = (ip: string, email: string) => `${ipRateLimitKey(ip)}|${emailKey(email)}`;

  return {
    async hit(action, ip, email) {
      throwIfSpent(
        await Promise.all([
          limiter(action, 'ip').consume(ipRateLimitKey(ip)),
          limiter(action, 'email').consume(emailKey(email)),
        ]),
      );
    },
    async request(action, ip, email) {
      throwIfSpent(
        await Promise.all([
          limiter(action, 'ip').consume(ipRateLimitKey(ip)),
          limiter(action, 'pair').consume(pairKey(ip, email)),
        ]),
      );
    },
    async attempt(action, ip, email) {
      const [network, pair, ceiling] = await Promise.all([
        limiter(action, 'ip').consume(ipRateLimitKey(ip)),
        limiter(action, 'pair').consume(pairKey(ip, email)),
        limiter(action, 'email').consume(emailKey(email)),
      ]);
      throwIfSpent([network, pair]);
      return { ceilingRetryAfterSeconds: ceiling.allowed ? null : ceiling.retryAfterSeconds };
    },
    async succeeded(action, ip, email) {
      await Promise.all([
        limiter(action, 'pair').reset(pairKey(ip, email)),
        limiter(action, 'email').refund(emailKey(email)),
      ]);
    },
    async changePassword(ip, userId) {
      throwIfSpent(
        await Promise.all([
          limiter('changePassword', 'ip').consume(ipRateLimitKey(ip)),
          limiter('changePassword', 'user').consume(userId),
        ]),
      );
    },
    async changePasswordSucceeded(userId) {
      await limiter('changePassword', 'user').reset(userId);
    },
  };
}
