import { ipRateLimitKey, type RateLimiterFactory } from '@evently/platform';
import { throttledWarning, type WarnLog } from '../cache/throttled-warning.js';
import { AppError } from '../kernel/app-error.js';

/**
 * Per network and minute: a person browsing fast (a page of 20 events and their availability in
 * one batch, every two seconds) stays under a third of it; a script enumerating ids does not.
 */
export const ANONYMOUS_READS_PER_MINUTE = 1_200;

/** The budget of reads by callers nobody signed in, per client network. */
export interface AnonymousReadLimit {
  /** Counts one read from `ip`; throws RATE_LIMITED (with retryAfterSeconds) past the budget. */
  hit(ip: string): Promise<void>;
}

export function createAnonymousReadLimit(deps: {
  rateLimits: RateLimiterFactory;
  log: WarnLog;
  perMinute?: number;
}): AnonymousReadLimit {
  const limiter = deps.rateLimits.create({
    name: 'anonymous-read',
    points: deps.perMinute ?? ANONYMOUS_READS_PER_MINUTE,
    durationSeconds: 60,
  });
  const warnUncounted = throttledWarning(
    deps.log,
    'rate limits unreachable; anonymous reads go uncounted',
  );
  return {
    async hit(ip) {
      let result: Awaited<ReturnType<typeof limiter.consume>>;
      try {
        result = await limiter.consume(ipRateLimitKey(ip));
      } catch (error) {
        // Reads serve from the database while Redis is down (the read cache falls back too);
        // an abuse limit on reads must not take them down with it. Auth limits fail closed.
        warnUncounted({ err: error });
        return;
      }
      if (!result.allowed) {
        throw new AppError('RATE_LIMITED', 'Too many reads from your network; retry later', {
          retryAfterSeconds: result.retryAfterSeconds,
        });
      }
    },
  };
}
