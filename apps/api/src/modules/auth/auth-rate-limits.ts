import type { RateLimiter, RateLimiterFactory, RateLimitRule } from '@evently/platform';
import { AppError } from '../../errors/app-error.js';

/** Per IP and per email, for each action an attacker could repeat. */
const RULES = {
  login: { ip: [30, 300], email: [5, 900] },
  register: { ip: [10, 3600], email: [3, 3600] },
  verify: { ip: [30, 600], email: [10, 600] },
  resend: { ip: [10, 3600], email: [5, 3600] },
  // Asking for a reset code mails someone: scarce. Typing the code is limited like verify.
  resetRequest: { ip: [10, 3600], email: [5, 3600] },
  reset: { ip: [30, 600], email: [10, 600] },
} as const satisfies Record<string, Record<'ip' | 'email', readonly [number, number]>>;

export type AuthAction = keyof typeof RULES;

export interface AuthRateLimits {
  /** Counts one attempt against the IP and the email; throws RATE_LIMITED when either is spent. */
  hit(action: AuthAction, ip: string, email: string): Promise<void>;
  /** After a success (a login), the email's count starts over. */
  clearEmail(action: AuthAction, email: string): Promise<void>;
}

export function createAuthRateLimits(factory: RateLimiterFactory): AuthRateLimits {
  const limiters = new Map<string, RateLimiter>();
  const limiter = (action: AuthAction, by: 'ip' | 'email') => {
    const name = `auth-${action}-${by}`;
    let found = limiters.get(name);
    if (!found) {
      const [points, durationSeconds] = RULES[action][by];
      const rule: RateLimitRule = { name, points, durationSeconds };
      found = factory.create(rule);
      limiters.set(name, found);
    }
    return found;
  };
  return {
    async hit(action, ip, email) {
      const results = await Promise.all([
        limiter(action, 'ip').consume(ip),
        limiter(action, 'email').consume(email.toLowerCase()),
      ]);
      const retryAfterSeconds = Math.max(
        0,
        ...results.map((r) => (r.allowed ? 0 : r.retryAfterSeconds)),
      );
      if (retryAfterSeconds > 0) {
        throw new AppError('RATE_LIMITED', 'Too many attempts; try again later', {
          retryAfterSeconds,
        });
      }
    },
    async clearEmail(action, email) {
      await limiter(action, 'email').reset(email.toLowerCase());
    },
  };
}
