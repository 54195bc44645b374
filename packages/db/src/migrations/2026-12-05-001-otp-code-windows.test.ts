import { randomUUID } from 'node:crypto';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.js';
import { migrations } from './index.js';

const BEFORE = '2026-12-04-001-otp-by-email';
const THIS = '2026-12-05-001-otp-code-windows';

describe(`migration ${THIS}`, () => {
  let test: TestDatabase;
  let migrator: Migrator;
  beforeAll(async () => {
    test = await createTestDatabase('otp-windows-migration', { migrate: false });
    migrator = new Migrator({
      db: test.handle.db,
      provider: { getMigrations: async () => migrations },
    });
    const { error } = await migrator.migrateTo(BEFORE);
    if (error) throw error;
  });
  afterAll(async () => test?.drop());

  it('counts each code there is as the first of its window, begun when it was issued', async () => {
    const db = test.handle.db;
    const createdAt = new Date('2026-12-04T10:00:00.000Z');
    const id = randomUUID();
    await db
      .insertInto('otp_codes')
      .values({
        id,
        email_key: 'key',
        user_id: null,
        purpose: 'reset',
        code_hash: 'hash',
        expires_at: new Date(createdAt.getTime() + 600_000),
        created_at: createdAt,
      })
      .execute();
    expect((await migrator.migrateTo(THIS)).error).toBeUndefined();
    const row = await db
      .selectFrom('otp_codes')
      .select(['window_started_at', 'codes_in_window'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ window_started_at: createdAt, codes_in_window: 1 });
  });

  it('goes down and up again', async () => {
    expect((await migrator.migrateTo(BEFORE)).error).toBeUndefined();
    expect((await migrator.migrateTo(THIS)).error).toBeUndefined();
  });
});
