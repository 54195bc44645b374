import { z } from 'zod';
import type { JobOptions } from './queue.port.js';

/**
 * Rules both queue implementations enforce, so the embedded runner accepts exactly what BullMQ
 * accepts: a name or id that would only fail in production must fail in a unit test too.
 */

export const DEFAULT_ATTEMPTS = 5;
export const DEFAULT_BACKOFF_MS = 1_000;

/**
 * How long finished jobs stay known. While a job is known, adding its id again is a no-op; once
 * it is forgotten the same id runs again. Producers that need exactly-once effects therefore
 * dedupe where the effect lands (processed_events), and a deliberate re-delivery uses a new id.
 */
export const RETENTION = {
  completed: { ageMs: 24 * 60 * 60 * 1_000, count: 10_000 },
  failed: { ageMs: 7 * 24 * 60 * 60 * 1_000, count: 10_000 },
} as const;

// BullMQ builds Redis keys as `<prefix>:<queue>:<id>` and reserves ':' in ids for its
// schedulers; an id equal to one of its own key names would overwrite that structure.
const RESERVED_IDS = new Set([
  'active',
  'wait',
  'waiting-children',
  'paused',
  'id',
  'delayed',
  'prioritized',
  'stalled-check',
  'completed',
  'failed',
  'stalled',
  'repeat',
  'limiter',
  'meta',
  'events',
  'pc',
  'marker',
  'de',
]);
const queueNameSchema = z
  .string()
  .min(1)
  .regex(/^[^:]+$/, 'a queue name cannot contain ":"');
const jobIdSchema = z
  .string()
  .min(1)
  .regex(/^[^:]+$/, 'a job id cannot contain ":"')
  .refine((id) => String(Number.parseInt(id, 10)) !== id, 'a job id cannot be an integer')
  .refine((id) => !RESERVED_IDS.has(id), "a job id cannot be one of the queue's own key names");

const jobOptionsSchema = z.object({
  jobId: jobIdSchema.optional(),
  delayMs: z.number().int().nonnegative().optional(),
  attempts: z.number().int().positive().optional(),
  backoffMs: z.number().int().nonnegative().optional(),
});

export interface ResolvedJobOptions {
  jobId: string | undefined;
  delayMs: number;
  attempts: number;
  backoffMs: number;
}

export function assertQueueName(name: string): void {
  queueNameSchema.parse(name);
}

export function resolveJobOptions(options: JobOptions | undefined): ResolvedJobOptions {
  const parsed = jobOptionsSchema.parse(options ?? {});
  return {
    jobId: parsed.jobId,
    delayMs: parsed.delayMs ?? 0,
    attempts: parsed.attempts ?? DEFAULT_ATTEMPTS,
    backoffMs: parsed.backoffMs ?? DEFAULT_BACKOFF_MS,
  };
}

/** BullMQ's exponential backoff: the wait after the n-th failed try is base * 2^(n-1). */
export function backoffDelay(backoffMs: number, attemptsMade: number): number {
  return backoffMs * 2 ** Math.max(0, attemptsMade - 1);
}
