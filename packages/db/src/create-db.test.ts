import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from './create-db.js';
import { migrateDown, migrateToLatest } from './migrate.js';
import { migrations } from './migrations/index.js';
import { appendEvent, OUTBOX_CHANNEL } from './outbox/append-event.js';
import { createTestDatabase, type TestDatabase } from './testing/test-database.js';

/** Polls wait in seconds, not vitest's default 1 s: the machine running them may be loaded. */
const POLL_TIMEOUT_MS = 15_000;

const userId = '00000000-0000-4000-8000-000000000001';

async function exerciseOutbox(handle: DbHandle): Promise<void> {
  const heard: string[] = [];
  const stop = await handle.listen(OUTBOX_CHANNEL, () => heard.push('notified'));
  await handle.db.transaction().execute(async (trx) => {
    await appendEvent(trx, {
      topic: 'user.registered',
      payload: { userId, email: 'a@example.com', name: 'A' },
    });
  });
  // A rolled-back transaction leaves no event behind.
  await expect(
    handle.db.transaction().execute(async (trx) => {
      await appendEvent(trx, {
        topic: 'user.registered',
        payload: { userId, email: 'b@example.com', name: 'B' },
      });
      throw new Error('rollback');
    }),
  ).rejects.toThrow('rollback');
  const rows = await handle.db.selectFrom('outbox').selectAll().execute();
  expect(rows).toHaveLength(1);
  expect(rows[0]?.payload).toEqual({ userId, email: 'a@example.com', name: 'A' });
  expect(typeof rows[0]?.seq).toBe('string');
  expect(rows[0]?.occurred_at).toBeInstanceOf(Date);
  await expect.poll(() => heard.length, { timeout: POLL_TIMEOUT_MS }).toBeGreaterThanOrEqual(1);
  await stop();
}

describe('createDb on Postgres', () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase('db');
  });
  afterAll(async () => test?.drop());

  it('migrates, appends outbox events transactionally and notifies at commit', async () => {
    expect(test.handle.kind).toBe('postgres');
    await test.handle.ping();
    await exerciseOutbox(test.handle);
  });

  it('rejects a payload that does not match the catalogue and writes nothing', async () => {
    const count = async () =>
      Number(
        (
          await test.handle.db
            .selectFrom('outbox')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    await expect(
      appendEvent(test.handle.db, {
        topic: 'user.registered',
        // @ts-expect-error a wrong payload on purpose
        payload: { userId: 'not-a-uuid' },
      }),
    ).rejects.toThrow(/userId|email/);
    expect(await count()).toBe(before);
  });

  it('migrates all the way down and up again', async () => {
    const names = Object.keys(migrations);
    for (const name of [...names].reverse())
      expect(await migrateDown(test.handle.db)).toEqual([name]);
    const gone = await sql<{ t: string | null }>`SELECT to_regclass('outbox')::text AS t`.execute(
      test.handle.db,
    );
    expect(gone.rows[0]?.t).toBeNull();
    expect(await migrateToLatest(test.handle.db)).toEqual(names);
  });
});

describe('createDb on embedded PGlite', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evently-pglite-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('runs the same migrations and outbox, and persists across restarts', async () => {
    const first = await createDb({ dataDir: dir });
    expect(first.kind).toBe('pglite');
    await migrateToLatest(first.db);
    await exerciseOutbox(first);
    await first.close();

    const second = await createDb({ dataDir: dir });
    expect(await migrateToLatest(second.db)).toEqual([]);
    const rows = await second.db.selectFrom('outbox').select('topic').execute();
    expect(rows).toEqual([{ topic: 'user.registered' }]);
    await second.close();
  });
});
