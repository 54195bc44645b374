import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from './create-db.js';
import { isDatabaseUnavailable } from './database-unavailable.js';
import { type PostgresCluster, startPostgresCluster } from './testing/postgres-cluster.js';

/** Polls wait in seconds, not vitest's default 1 s: the machine running them may be loaded. */
const POLL_TIMEOUT_MS = 15_000;

// createDb on a Postgres cluster of this file's own, restarted and stopped under it (never the
// shared server): connections the server terminates (57P01) are errors of the calls in flight,
// never an unhandled 'error' event (which would end the process — and fail this run), and the
// LISTEN connection comes back by itself.
describe('createDb while its Postgres restarts and stops', () => {
  let cluster: PostgresCluster;
  let handle: DbHandle;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    handle = await createDb({
      databaseUrl: await cluster.createDatabase('create_db_fault'),
      poolSize: 4,
    });
  });
  afterAll(async () => {
    await handle?.close();
    await cluster?.destroy();
  });

  /** Sessions of this database in a given state, seen from a connection of their own. */
  async function sessions(state: 'idle in transaction' | 'active'): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND backend_type = 'client backend'
        AND state = ${state} AND pid <> pg_backend_pid()`.execute(handle.db);
    return rows[0]?.n ?? 0;
  }

  it('a restart fails the calls in flight (checked-out clients included); the pool then recovers', async () => {
    // A transaction held open between two statements (its client checked out, no query
    // running) and a statement running on another client, when the server restarts.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const transaction = handle.db.transaction().execute(async (trx) => {
      await sql`SELECT 1`.execute(trx);
      await held;
      await sql`SELECT 2`.execute(trx);
    });
    const running = sql`SELECT pg_sleep(30)`.execute(handle.db);
    const outcomes = Promise.allSettled([transaction, running]);
    await expect.poll(() => sessions('idle in transaction'), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => sessions('active'), { timeout: 20_000 }).toBe(1);

    await cluster.restart();
    release();
    const [inTransaction, inQuery] = await outcomes;
    for (const outcome of [inTransaction, inQuery]) {
      expect(outcome?.status).toBe('rejected');
      if (outcome?.status === 'rejected') expect(isDatabaseUnavailable(outcome.reason)).toBe(true);
    }

    // The broken clients were dropped: new work gets new connections.
    await handle.ping();
    const { rows } = await sql<{ n: number }>`SELECT 42 AS n`.execute(handle.db);
    expect(rows).toEqual([{ n: 42 }]);
  });

  it('LISTEN comes back after a restart and after a stop of any length, with a wake-up each time', async () => {
    const heard: Array<string | undefined> = [];
    const losses: Error[] = [];
    const stop = await handle.listen('fault_channel', (payload) => heard.push(payload), {
      onLost: (error) => losses.push(error),
    });
    const notify = (payload: string) =>
      sql`SELECT pg_notify('fault_channel', ${payload})`.execute(handle.db);
    /** Notifies until heard: the LISTEN connection may still be reconnecting. */
    const heardAfterNotifying = async (payload: string) => {
      await expect
        .poll(
          async () => {
            await notify(payload).catch(() => {});
            return heard.includes(payload);
          },
          { timeout: 30_000, interval: 250 },
        )
        .toBe(true);
    };

    await notify('before');
    await expect.poll(() => heard.includes('before'), { timeout: POLL_TIMEOUT_MS }).toBe(true);

    await cluster.restart();
    // The wake-up: notifications sent while it was away were missed.
    await expect.poll(() => heard.includes(undefined), { timeout: 30_000 }).toBe(true);
    await heardAfterNotifying('after restart');
    expect(losses.length).toBe(1);

    heard.length = 0;
    await cluster.stop();
    await sleep(3_000);
    await cluster.start();
    await expect.poll(() => heard.includes(undefined), { timeout: 30_000 }).toBe(true);
    await heardAfterNotifying('after stop');
    // One report per outage, however many reconnection attempts it took.
    expect(losses.length).toBe(2);
    expect(losses.every((error) => isDatabaseUnavailable(error))).toBe(true);

    await stop();
    await notify('after unlisten');
    await sleep(300);
    expect(heard).not.toContain('after unlisten');
  });
});
