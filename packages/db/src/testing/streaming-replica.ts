import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { type PostgresCluster, startPostgresCluster } from './postgres-cluster.js';

/**
 * A primary and a hot standby streaming from it, both throwaway clusters on loopback (never the
 * shared server): for tests of reads that go to a replica. The standby's replay can be paused
 * (it then keeps receiving WAL but shows nothing new: a lagging replica on demand), resumed,
 * stopped and started.
 */
export interface StreamingReplica {
  primary: PostgresCluster;
  replica: PostgresCluster;
  /** `pg_wal_replay_pause()`; resolves once replay has actually stopped. */
  pauseReplay(): Promise<void>;
  /** `pg_wal_replay_resume()`. */
  resumeReplay(): Promise<void>;
  /** Resolves once the standby has replayed everything the primary had written when called. */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** Stops and deletes both clusters. */
  destroy(): Promise<void>;
}

/** One statement on `url` through a connection of its own. */
async function query<R extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

async function until(
  what: string,
  done: () => Promise<boolean>,
  timeoutMs: number,
  log: () => Promise<string>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline)
      throw new Error(`${what} not within ${timeoutMs} ms:\n${await log()}`);
    await sleep(100);
  }
}

export async function startStreamingReplica(): Promise<StreamingReplica> {
  const primary = await startPostgresCluster();
  let replica: PostgresCluster;
  try {
    replica = await startPostgresCluster({ replicaOf: primary });
  } catch (error) {
    await primary.destroy();
    throw error;
  }
  const onReplica = (text: string, values?: unknown[]) =>
    query(replica.urlFor('postgres'), text, values);

  const caughtUp = async (timeoutMs = 60_000) => {
    const [written] = await query<{ lsn: string }>(
      primary.urlFor('postgres'),
      'SELECT pg_current_wal_insert_lsn()::text AS lsn',
    );
    await until(
      'the standby replaying the primary',
      async () => {
        const [row] = await onReplica(
          'SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS done',
          [written?.lsn],
        );
        return row?.done === true;
      },
      timeoutMs,
      replica.log,
    );
  };
  // A standby that has connected and caught up, so tests start from a replica in step.
  await caughtUp();

  return {
    primary,
    replica,
    async pauseReplay() {
      await onReplica('SELECT pg_wal_replay_pause()');
      await until(
        'replay pausing',
        async () => {
          const [row] = await onReplica('SELECT pg_get_wal_replay_pause_state() AS state');
          return row?.state === 'paused';
        },
        30_000,
        replica.log,
      );
    },
    async resumeReplay() {
      await onReplica('SELECT pg_wal_replay_resume()');
    },
    caughtUp,
    async destroy() {
      await replica.destroy();
      await primary.destroy();
    },
  };
}
