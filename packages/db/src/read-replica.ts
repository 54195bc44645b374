import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { isDatabaseUnavailable } from './database-unavailable.js';

/**
 * Where reads that tolerate lag go (public lists): a streaming replica of the primary when one
 * is configured and answers, the primary otherwise. Never for a read that decides anything
 * (bookings, the allocator, sessions): those use the primary's handle directly.
 */
export interface ReadReplica {
  /** Whether a replica is configured at all (false: every read goes to the primary). */
  readonly configured: boolean;
  /** `query` on the replica, or on the primary when there is none or it failed. */
  read<T>(query: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * The same, and whether the answer is at least as new as the primary was when the call began
   * (`current`): only such an answer may be cached under a cache generation read before the
   * call. A primary read is always current; a replica read is current when, before its query
   * ran (on the same connection), the replica had replayed the primary's WAL insert position
   * taken at the call's start.
   */
  readCurrent<T>(
    query: (db: Kysely<Database>) => Promise<T>,
  ): Promise<{ value: T; current: boolean; from: 'primary' | 'replica' }>;
}

export interface ReadReplicaOptions {
  primary: Kysely<Database>;
  /** The replica's handle (DATABASE_REPLICA_URL); absent: every read is the primary's. */
  replica?: Kysely<Database> | undefined;
  /**
   * After the replica was unreachable, reads go to the primary for this long before the replica
   * is tried again (default 5 s): an unreachable host costs a connect timeout once per period,
   * not on every request.
   */
  retryAfterMs?: number;
  /** Told about every replica failure a read fell back from (log it, throttled). */
  onFallback?: (error: unknown, replicaAway: boolean) => void;
}

export function createReadReplica(options: ReadReplicaOptions): ReadReplica {
  const { primary, replica } = options;
  const retryAfterMs = options.retryAfterMs ?? 5_000;
  let awayUntil = Number.NEGATIVE_INFINITY;

  /** The primary's WAL insert position now; undefined when the primary does not answer. */
  const primaryPosition = async (): Promise<string | undefined> => {
    try {
      const { rows } = await sql<{
        lsn: string;
      }>`SELECT pg_current_wal_insert_lsn()::text AS lsn`.execute(primary);
      return rows[0]?.lsn;
    } catch {
      // The replica can still answer a list while the primary is away, just not as current.
      return undefined;
    }
  };

  /** Runs `attempt` on the replica; on failure, `query` on the primary instead. */
  const withFallback = async <T>(
    attempt: (replicaDb: Kysely<Database>) => Promise<T>,
    onPrimary: () => Promise<T>,
  ): Promise<T> => {
    if (!replica || Date.now() < awayUntil) return onPrimary();
    try {
      return await attempt(replica);
    } catch (error) {
      const away = isDatabaseUnavailable(error);
      // A statement the replica refused (a recovery conflict, say) retries on the primary once;
      // an unreachable replica is left alone for a while.
      if (away) awayUntil = Date.now() + retryAfterMs;
      options.onFallback?.(error, away);
      return onPrimary();
    }
  };

  return {
    configured: replica !== undefined,
    read: (query) =>
      withFallback(
        (replicaDb) => query(replicaDb),
        () => query(primary),
      ),
    async readCurrent<T>(query: (db: Kysely<Database>) => Promise<T>) {
      type Answer = { value: T; current: boolean; from: 'primary' | 'replica' };
      const onPrimary = async (): Promise<Answer> => ({
        value: await query(primary),
        current: true,
        from: 'primary' as const,
      });
      return withFallback(async (replicaDb): Promise<Answer> => {
        const position = await primaryPosition();
        // One connection for both statements: a pool behind a load balancer could otherwise ask
        // one replica how far it is and read from another. Each statement takes its own
        // snapshot, so the query sees at least what had been replayed when the check ran.
        return replicaDb.connection().execute(async (connection) => {
          let current = false;
          if (position !== undefined) {
            const { rows } = await sql<{ current: boolean }>`
              SELECT coalesce(pg_last_wal_replay_lsn() >= ${position}::pg_lsn, false) AS current
            `.execute(connection);
            current = rows[0]?.current === true;
          }
          return { value: await query(connection), current, from: 'replica' as const };
        });
      }, onPrimary);
    },
  };
}
