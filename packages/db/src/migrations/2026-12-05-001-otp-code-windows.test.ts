import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';

const THIS = '2026-12-05-001-otp-code-windows';

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);

  it('counts each code there is as the first of its window, begun when it was issued', async () => {
    const db = migration.db();
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
    expect((await migration.up()).error).toBeUndefined();
    const row = await db
      .selectFrom('otp_codes')
      .select(['window_started_at', 'codes_in_window'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ window_started_at: createdAt, codes_in_window: 1 });
  });

  it('goes down and up again', async () => {
    expect((await migration.down()).error).toBeUndefined();
    expect((await migration.up()).error).toBeUndefined();
  });
});
