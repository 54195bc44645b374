import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import type { RetentionRule } from './retention-rule.js';

export interface RetentionOptions {
  db: Kysely<Database>;
  rules: readonly RetentionRule[];
  /** Records finished more than this many days ago go (RETENTION_DAYS). */
  days: number;
  now: () => Date;
  /** Rows per statement: each chunk is its own short transaction. Default 1,000. */
  chunkSize?: number;
  /** Chunks per rule and run, so one run stays bounded; the next run goes on. Default 100. */
  maxChunks?: number;
}

const DAY_MS = 86_400_000;

/**
 * One retention pass: each rule deletes in chunks until it finds fewer rows than a chunk, or has
 * used its chunks for this run. Resolves the rows deleted per rule. Nothing is held between
 * chunks: no long transaction, no big lock.
 */
export async function runRetention(options: RetentionOptions): Promise<Record<string, number>> {
  const chunkSize = options.chunkSize ?? 1_000;
  const maxChunks = options.maxChunks ?? 100;
  const cutoff = new Date(options.now().getTime() - options.days * DAY_MS);
  const deleted: Record<string, number> = {};
  for (const rule of options.rules) {
    let total = 0;
    for (let chunk = 0; chunk < maxChunks; chunk++) {
      const count = await rule.prune(options.db, cutoff, chunkSize);
      total += count;
      if (count < chunkSize) break;
    }
    deleted[rule.name] = total;
  }
  return deleted;
}
