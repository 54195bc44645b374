import type { Database } from '@evently/db';
import { type RawBuilder, sql } from 'kysely';
import type { RetentionRule } from './retention-rule.js';

export interface FinishedRowsRuleOptions {
  /** The rule's name in logs and results (kebab-case). */
  name: string;
  table: keyof Database & string;
  /** The row's key columns. Default `['id']`. */
  key?: readonly string[];
  /** True for a row that finished before the cutoff (and nothing will act on again). */
  finishedBefore: (cutoff: Date) => RawBuilder<unknown>;
  /** Oldest first by this column, when an index on it serves the scan. */
  oldestFirst?: string;
}

/**
 * The usual retention rule: one statement deletes up to `limit` finished rows of one table.
 * `FOR UPDATE SKIP LOCKED` leaves a row someone is working on for the next pass, so pruning
 * never waits on, or blocks, the work itself.
 */
export function finishedRowsRule(options: FinishedRowsRuleOptions): RetentionRule {
  const table = sql.table(options.table);
  const key = sql.join((options.key ?? ['id']).map((column) => sql.ref(column)));
  const order =
    options.oldestFirst === undefined ? sql`` : sql`ORDER BY ${sql.ref(options.oldestFirst)}`;
  return {
    name: options.name,
    async prune(db, cutoff, limit) {
      const result = await sql`
        DELETE FROM ${table} WHERE (${key}) IN (
          SELECT ${key} FROM ${table}
          WHERE ${options.finishedBefore(cutoff)}
          ${order}
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)`.execute(db);
      return Number(result.numAffectedRows ?? 0);
    },
  };
}
