import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import type { RateLimiter, RateLimitRule } from './rate-limit.port.js';

const keySchema = z.string().min(1);
const pointsSchema = z.number().int().positive();

/** rate-limiter-flexible's options for a rule (its durations are in seconds). */
export function flexibleOptions(rule: RateLimitRule) {
  return {
    points: rule.points,
    duration: rule.durationSeconds,
    // 0: no extra block, the key waits for the rest of the window.
    blockDuration: rule.blockSeconds ?? 0,
  };
}

/**
 * Adapts a rate-limiter-flexible limiter to the port. It rejects with a RateLimiterRes when the
 * limit is exceeded — that becomes `allowed: false`; any other rejection (Redis down) is thrown,
 * never turned into an allowance.
 */
export function adaptFlexibleLimiter(limiter: RateLimiterAbstract): RateLimiter {
  return {
    async consume(key, points = 1) {
      keySchema.parse(key);
      pointsSchema.parse(points);
      try {
        const result = await limiter.consume(key, points);
        return { allowed: true, remaining: result.remainingPoints };
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        return {
          allowed: false,
          retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
        };
      }
    },
    async peek(key) {
      keySchema.parse(key);
      const state = await limiter.get(key);
      const used = state?.consumedPoints ?? 0;
      if (used < limiter.points) return { allowed: true, remaining: limiter.points - used };
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((state?.msBeforeNext ?? 0) / 1000)),
      };
    },
    async refund(key, points = 1) {
      keySchema.parse(key);
      pointsSchema.parse(points);
      await limiter.reward(key, points);
    },
    async reset(key) {
      keySchema.parse(key);
      await limiter.delete(key);
    },
  };
}
