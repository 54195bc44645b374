import { randomUUID } from 'node:crypto';
import { parseDomainEvent } from '@evently/contracts';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';

const THIS = '2026-12-04-001-otp-by-email';

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);

  it('drops the plaintext codes of old events and makes them parse as the new version', async () => {
    const db = migration.db();
    const userId = randomUUID();
    const person = { userId, email: 'old@example.com', name: 'Old' };
    const expiresAt = '2026-11-30T10:00:00.000Z';
    const ids = { verify: randomUUID(), reset: randomUUID(), other: randomUUID() };
    await db
      .insertInto('outbox')
      .values([
        {
          id: ids.verify,
          topic: 'user.verification_requested',
          version: 1,
          aggregate_id: userId,
          payload: JSON.stringify({ ...person, code: '123456', expiresAt }),
          occurred_at: new Date(),
        },
        {
          id: ids.reset,
          topic: 'user.password_reset_requested',
          version: 1,
          aggregate_id: userId,
          payload: JSON.stringify({ ...person, code: '654321', expiresAt }),
          occurred_at: new Date(),
        },
        {
          id: ids.other,
          topic: 'user.email_verified',
          version: 1,
          aggregate_id: userId,
          payload: JSON.stringify(person),
          occurred_at: new Date(),
        },
      ])
      .execute();

    const { error } = await migration.up();
    expect(error).toBeUndefined();

    const rows = await db
      .selectFrom('outbox')
      .select(['id', 'topic', 'version', 'payload'])
      .execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const id of [ids.verify, ids.reset]) {
      const row = byId.get(id);
      expect(row?.version).toBe(2);
      expect(row?.payload).not.toHaveProperty('code');
      if (
        !row ||
        (row.topic !== 'user.verification_requested' &&
          row.topic !== 'user.password_reset_requested')
      ) {
        throw new Error('row missing');
      }
      expect(parseDomainEvent(row.topic, row.payload)).toEqual({
        version: 2,
        payload: { ...person, expiresAt, otpId: '00000000-0000-0000-0000-000000000000' },
      });
    }
    expect(byId.get(ids.other)).toMatchObject({ version: 1, payload: person });
    const { count } = await db
      .selectFrom('outbox')
      .select(sql<string>`count(*)`.as('count'))
      .where(sql<string>`payload::text`, 'like', '%123456%')
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(0);
  });

  it('goes down and up again', async () => {
    expect((await migration.down()).error).toBeUndefined();
    expect((await migration.up()).error).toBeUndefined();
  });
});
