import { RateLimiterMemory } from 'rate-limiter-flexible';
import { adaptFlexibleLimiter, flexibleOptions } from './flexible-rate-limiter.js';
import type { RateLimiterFactory } from './rate-limit.port.js';
import { limiterPerRuleName } from './rate-limit-rule.js';

/** Rate limits counted inside this process (embedded mode). */
export function createMemoryRateLimits(): RateLimiterFactory {
  return limiterPerRuleName((rule) =>
    adaptFlexibleLimiter(new RateLimiterMemory({ keyPrefix: rule.name, ...flexibleOptions(rule) })),
  );
}
