import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { RedisClient } from '../redis/redis-connection.js';
import { adaptFlexibleLimiter, flexibleOptions } from './flexible-rate-limiter.js';
import type { RateLimiterFactory } from './rate-limit.port.js';
import { limiterPerRuleName } from './rate-limit-rule.js';

export interface RedisRateLimitsOptions {
  /** Prepended to every counter key (`<prefix>rl:<rule name>:<key>`). */
  prefix: string;
}

/**
 * Rate limits counted in Redis, so every API instance shares one count per key. Use a
 * 'command' connection: when Redis is down, consume() rejects at once (no insurance limiter,
 * no silent allowance). The connection belongs to the caller.
 */
export async function createRedisRateLimits(
  redis: RedisClient,
  options: RedisRateLimitsOptions,
): Promise<RateLimiterFactory> {
  return limiterPerRuleName((rule) =>
    adaptFlexibleLimiter(
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${options.prefix}rl:${rule.name}`,
        rejectIfRedisNotReady: true,
        ...flexibleOptions(rule),
      }),
    ),
  );
}
