import { randomUUID } from 'node:crypto';
import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';

class Rollback extends Error {}

/**
 * Records `key` for the user in a transaction left open until `body` returns (then rolled back):
 * an allocator whose batch carries the same key stops in its write on the key's unique index,
 * waiting to see whether this transaction commits.
 */
export async function withKeyPending(
  db: Kysely<Database>,
  userId: string,
  key: string,
  body: () => Promise<void>,
): Promise<void> {
  await db
    .transaction()
    .execute(async (trx) => {
      await trx
        .insertInto('idempotency_keys')
        .values({
          user_id: userId,
          scope: 'bookings.create',
          key,
          request_hash: 'a request in flight elsewhere',
          response: JSON.stringify({ id: randomUUID() }),
          expires_at: new Date(Date.now() + 3_600_000),
        })
        .execute();
      await body();
      throw new Rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error;
    });
}

/** Backends of this database waiting on a lock (a write behind a test's open transaction). */
export async function lockWaiters(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db);
  return rows[0]?.n ?? 0;
}
