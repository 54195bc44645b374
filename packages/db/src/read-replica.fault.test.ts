import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDb, type DbHandle } from './create-db.js';
import { migrateToLatest } from './migrate.js';
import { createReadReplica, type ReadReplica } from './read-replica.js';
import { type StreamingReplica, startStreamingReplica } from './testing/streaming-replica.js';

// A real primary and hot standby on loopback (never the shared server): the replica is paused,
// stopped and started under the read port, and the primary stopped once.
describe('reads that tolerate lag, on a streaming replica', () => {
  let clusters: StreamingReplica;
  let primary: DbHandle;
  let standby: DbHandle;
  let reads: ReadReplica;
  const fallbacks: boolean[] = [];

  /** Where a statement ran, and how many users it found there. */
  const where = (db: Parameters<Parameters<ReadReplica['read']>[0]>[0]) =>
    sql<{ standby: boolean; users: number }>`
      SELECT pg_is_in_recovery() AS standby, (SELECT count(*)::int FROM users) AS users
    `
      .execute(db)
      .then((r) => r.rows[0]);

  const addUser = (email: string) =>
    primary.db
      .insertInto('users')
      .values({
        id: crypto.randomUUID(),
        email,
        name: 'x',
        role: 'user',
        password_hash: 'x',
        updated_at: new Date(),
      })
      .execute();

  beforeAll(async () => {
    clusters = await startStreamingReplica();
    await clusters.primary.createDatabase('evently_replica');
    primary = await createDb({
      databaseUrl: clusters.primary.urlFor('evently_replica'),
      poolSize: 3,
    });
    await migrateToLatest(primary.db);
    await clusters.caughtUp();
    standby = await createDb({
      databaseUrl: clusters.replica.urlFor('evently_replica'),
      poolSize: 3,
    });
    reads = createReadReplica({
      primary: primary.db,
      replica: standby.db,
      retryAfterMs: 2_000,
      onFallback: (_error, away) => fallbacks.push(away),
    });
  });

  afterAll(async () => {
    await standby?.close();
    await primary?.close();
    await clusters?.destroy();
  });

  it('reads on the replica; current once it has replayed what the primary had', async () => {
    const answer = await reads.readCurrent(where);
    expect(answer).toMatchObject({ from: 'replica', current: true });
    expect(answer.value?.standby).toBe(true);
    expect((await reads.read(where))?.standby).toBe(true);
  });

  it('a replica behind the primary answers what it has, and says it is not current', async () => {
    const before = (await reads.read(where))?.users ?? -1;
    await clusters.pauseReplay();
    try {
      await addUser(`paused-${crypto.randomUUID()}@example.com`);
      const lagging = await reads.readCurrent(where);
      expect(lagging).toMatchObject({ from: 'replica', current: false });
      expect(lagging.value?.users).toBe(before);
      // The primary has it.
      expect((await where(primary.db))?.users).toBe(before + 1);
    } finally {
      await clusters.resumeReplay();
    }
    await clusters.caughtUp();
    const caughtUp = await reads.readCurrent(where);
    expect(caughtUp).toMatchObject({ from: 'replica', current: true });
    expect(caughtUp.value?.users).toBe(before + 1);
    expect(fallbacks).toEqual([]);
  });

  it('a replica that is down: the primary answers (current), and the replica is used again once back', async () => {
    await clusters.replica.stop();
    const answer = await reads.readCurrent(where);
    expect(answer).toMatchObject({ from: 'primary', current: true });
    expect(answer.value?.standby).toBe(false);
    expect((await reads.read(where))?.standby).toBe(false);
    // One failure, then the replica is left alone for retryAfterMs (no second connect attempt).
    expect(fallbacks).toEqual([true]);

    await clusters.replica.start();
    await vi.waitFor(
      async () => {
        expect((await reads.readCurrent(where)).from).toBe('replica');
      },
      { timeout: 30_000, interval: 250 },
    );
  });

  it('a statement the replica refuses is run on the primary, without leaving the replica', async () => {
    fallbacks.length = 0;
    const once = await reads.read(async (db) => {
      const { standby: onStandby } = (await where(db)) ?? { standby: false };
      // What a recovery conflict looks like to the caller: the statement fails on the replica.
      if (onStandby) await sql`SELECT 1/0`.execute(db);
      return onStandby;
    });
    expect(once).toBe(false);
    expect(fallbacks).toEqual([false]);
    expect((await reads.read(where))?.standby).toBe(true);
  });

  it('a primary that is down: the replica still answers, but never as current', async () => {
    await vi.waitFor(
      async () => {
        expect((await reads.readCurrent(where)).from).toBe('replica');
      },
      { timeout: 30_000, interval: 250 },
    );
    await clusters.primary.stop();
    try {
      const answer = await reads.readCurrent(where);
      expect(answer).toMatchObject({ from: 'replica', current: false });
      expect(answer.value?.standby).toBe(true);
    } finally {
      await clusters.primary.start();
    }
  });

  it('without a replica every read is the primary', async () => {
    const alone = createReadReplica({ primary: primary.db });
    expect(alone.configured).toBe(false);
    expect(await alone.readCurrent(where)).toMatchObject({ from: 'primary', current: true });
  });
});
