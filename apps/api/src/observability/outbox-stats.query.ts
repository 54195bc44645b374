import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';

export interface OutboxStats {
  /** Events committed but not yet handed to the queue. */
  unrelayed: number;
  /** Age of the oldest of them, in seconds; 0 when there is none. */
  lagSeconds: number;
}

/** One read of the outbox's unrelayed rows (a small partial index: outbox_unrelayed_idx). */
export async function outboxStats(db: Kysely<Database>): Promise<OutboxStats> {
  const row = await db
    .selectFrom('outbox')
    .select([
      (eb) => eb.fn.countAll<string>().as('n'),
      sql<string | null>`extract(epoch from now() - min(occurred_at))`.as('lag'),
    ])
    .where('relayed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return { unrelayed: Number(row.n), lagSeconds: Math.max(0, Number(row.lag ?? 0)) };
}
