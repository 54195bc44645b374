export interface RateLimitRule {
  /** Distinguishes limiters (`login:ip`, `login:email`). */
  name: string;
  /** Allowed hits per window. */
  points: number;
  durationSeconds: number;
  /** Once exceeded, block for this long (defaults to the rest of the window). */
  blockSeconds?: number;
}

export type RateLimitResult =
  | { allowed: true; remaining: number }
  | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  consume(key: string, points?: number): Promise<RateLimitResult>;
  /** Whether `key` may still consume a point, consuming nothing (a guard before an attempt). */
  peek(key: string): Promise<RateLimitResult>;
  /** Gives back points an attempt consumed: it turned out to be no threat (a successful login). */
  refund(key: string, points?: number): Promise<void>;
  reset(key: string): Promise<void>;
}

export interface RateLimiterFactory {
  create(rule: RateLimitRule): RateLimiter;
}
