import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';

/**
 * What one kind of finished record keeps: `prune` deletes at most `limit` rows that finished
 * (were delivered, sent, expired, ended) before `cutoff`, in one short statement of its own, and
 * resolves how many. Never anything a process may still act on — each rule says why.
 */
export interface RetentionRule {
  /** Names the rule in logs and results (kebab-case). */
  readonly name: string;
  prune(db: Kysely<Database>, cutoff: Date, limit: number): Promise<number>;
}
