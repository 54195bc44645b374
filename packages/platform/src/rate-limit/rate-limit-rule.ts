import { z } from 'zod';
import type { RateLimiter, RateLimiterFactory, RateLimitRule } from './rate-limit.port.js';

export const rateLimitRuleSchema = z.object({
  name: z.string().min(1),
  points: z.number().int().positive(),
  durationSeconds: z.number().int().positive(),
  blockSeconds: z.number().int().positive().optional(),
});

/**
 * One limiter per rule name and factory. Creating a rule again returns the same limiter — a
 * fresh in-memory limiter per call would count nothing — and redefining a name with other
 * numbers is a programming error, refused at once.
 */
export function limiterPerRuleName(
  build: (rule: RateLimitRule) => RateLimiter,
): RateLimiterFactory {
  const limiters = new Map<string, { signature: string; limiter: RateLimiter }>();
  return {
    create(input) {
      const rule = rateLimitRuleSchema.parse(input);
      const signature = JSON.stringify([
        rule.points,
        rule.durationSeconds,
        rule.blockSeconds ?? null,
      ]);
      const known = limiters.get(rule.name);
      if (known) {
        if (known.signature !== signature) {
          throw new Error(`rate limit rule ${rule.name} is already defined with other settings`);
        }
        return known.limiter;
      }
      const limiter = build(rule);
      limiters.set(rule.name, { signature, limiter });
      return limiter;
    },
  };
}
