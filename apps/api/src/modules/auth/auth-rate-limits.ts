import {
  ipRateLimitKey,
  type RateLimiter,
  type RateLimiterFactory,
  type RateLimitResult,
} from '@evently/platform';
import { AppError } from '../../kernel/app-error.js';

/**
 * [points, window in seconds] per counted subject. `ip` is the client's network (an IPv6 /64 counts
 * as one client, see ipRateLimitKey), `email` the address typed, `user` the signed-in account.
 *
 * Login counts per (network, email) pair, per network, and under an account-wide ceiling: a
 * guesser gets 5 tries per 15 minutes from each network, and at most 100 an hour from everywhere
 * together, while the owner's own network keeps its own 5 (and once the ceiling is spent, a
 * network the account signed in from before still gets through: see the login service). Five
 * wrong passwords from a stranger therefore lock nobody out.
 */
const RULES = {
  login: { ip: [30, 300], pair: [5, 900], email: [100, 3600] },
  register: { ip: [10, 3600], email: [3, 3600] },
  verify: { ip: [30, 600], email: [10, 600] },
  resend: { ip: [10, 3600], email: [5, 3600] },
  // Asking for a reset code mails someone: scarce. Typing the code is limited like verify.
  resetRequest: { ip: [10, 3600], email: [5, 3600] },
  reset: { ip: [30, 600], email: [10, 600] },
  // A stolen access token must not buy a password oracle.
  changePassword: { ip: [20, 900], user: [5, 900] },
} as const satisfies Record<string, Partial<Record<Subject, readonly [number, number]>>>;

type Subject = 'ip' | 'pair' | 'email' | 'user';
type Rules = typeof RULES;
/** The actions limited per network and per email alone. */
export type EmailAction = {
  [A in keyof Rules]: keyof Rules[A] extends 'ip' | 'email' ? A : never;
}[keyof Rules];

export interface LoginAttempt {
  /**
   * Set when the account-wide ceiling is spent: the attempt goes on only from a network the
   * account signed in from before. Seconds until the ceiling has room again.
   */
  ceilingRetryAfterSeconds: number | null;
}

export interface AuthRateLimits {
  /** Counts one attempt against the network and the email; throws RATE_LIMITED when either is spent. */
  hit(action: EmailAction, ip: string, email: string): Promise<void>;
  /**
   * Counts a login attempt against the pair, the network and the account's ceiling. Throws
   * RATE_LIMITED when the pair or the network is spent; reports a spent ceiling.
   */
  login(ip: string, email: string): Promise<LoginAttempt>;
  /** After a good password: the pair starts over and the ceiling gets its point back. */
  loginSucceeded(ip: string, email: string): Promise<void>;
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
    async login(ip, email) {
      const [network, pair, ceiling] = await Promise.all([
        limiter('login', 'ip').consume(ipRateLimitKey(ip)),
        limiter('login', 'pair').consume(pairKey(ip, email)),
        limiter('login', 'email').consume(emailKey(email)),
      ]);
      throwIfSpent([network, pair]);
      return { ceilingRetryAfterSeconds: ceiling.allowed ? null : ceiling.retryAfterSeconds };
    },
    async loginSucceeded(ip, email) {
      await Promise.all([
        limiter('login', 'pair').reset(pairKey(ip, email)),
        limiter('login', 'email').refund(emailKey(email)),
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
