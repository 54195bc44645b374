import { z } from 'zod';
import type { LockOptions } from './lock.port.js';

// The libraries' defaults (10 retries 200 ms apart) fail most acquirers under contention:
// many short retries serve a queue of short critical sections far better.
export const DEFAULT_LOCK_RETRY_COUNT = 50;
export const DEFAULT_LOCK_RETRY_DELAY_MS = 20;
/** Below this, redlock's auto-extension has no room to run before the lock expires. */
export const MIN_LOCK_TTL_MS = 200;

const lockKeySchema = z.string().min(1);

const lockOptionsSchema = z.object({
  ttlMs: z.number().int().min(MIN_LOCK_TTL_MS),
  retryCount: z.number().int().min(0).default(DEFAULT_LOCK_RETRY_COUNT),
  retryDelayMs: z.number().int().min(0).default(DEFAULT_LOCK_RETRY_DELAY_MS),
});

export type ResolvedLockOptions = z.output<typeof lockOptionsSchema>;

export function parseLockRequest(key: string, options: LockOptions): ResolvedLockOptions {
  lockKeySchema.parse(key);
  return lockOptionsSchema.parse(options);
}

/** The base delay with ±50 % jitter, so competing acquirers do not retry in lock-step. */
export function jitteredDelay(baseMs: number): number {
  return Math.round(baseMs * (0.5 + Math.random()));
}
