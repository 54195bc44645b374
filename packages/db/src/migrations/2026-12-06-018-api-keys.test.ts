import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';
import { insertEventRows } from './fixtures/event-rows.js';

const THIS = '2026-12-06-018-api-keys';

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);
  const [user, org, event, type] = Array.from({ length: 4 }, () => randomUUID());
  const key = (id: string, secret: string, scopes = sql`ARRAY['events:read']`) =>
    sql`INSERT INTO api_keys (id, organization_id, name, scopes, secret_hash, prefix, created_by,
        created_at)
      VALUES (${id}, ${org}, 'Job', ${scopes},
        ${createHash('sha256').update(secret).digest()}, ${secret.slice(0, 12)}, ${user}, now())`;

  it('keeps one key per secret hash, made by a person, and names keys in the audit trail', async () => {
    const db = migration.db();
    await insertEventRows(db, { user, org, event, type });
    // An audit entry written before the migration keeps its person and gets no key.
    await sql`INSERT INTO audit_log (id, entity, entity_id, action, actor_id)
      VALUES (${randomUUID()}, 'event', ${event}, 'create', ${user})`.execute(db);
    expect((await migration.up()).error).toBeUndefined();
    const old = await sql<{ actor_id: string; actor_api_key_id: string | null }>`
      SELECT actor_id, actor_api_key_id FROM audit_log`.execute(db);
    expect(old.rows).toEqual([{ actor_id: user, actor_api_key_id: null }]);
    await key(randomUUID(), 'evk_one').execute(db);
    await expect(key(randomUUID(), 'evk_one').execute(db)).rejects.toThrow(/secret_hash/);
    await expect(key(randomUUID(), 'evk_two', sql`ARRAY[]::text[]`).execute(db)).rejects.toThrow(
      /scopes_check/,
    );
    // Deleting the organization takes its keys.
    await sql`DELETE FROM events WHERE organization_id = ${org}`.execute(db);
    await sql`DELETE FROM organizations WHERE id = ${org}`.execute(db);
    const left = await sql<{ n: string }>`SELECT count(*) AS n FROM api_keys`.execute(db);
    expect(left.rows[0]?.n).toBe('0');
  });

  it('goes down without the keys and the audit column', async () => {
    const db = migration.db();
    expect((await migration.down()).error).toBeUndefined();
    const columns = await sql<{ name: string }>`SELECT column_name AS name
      FROM information_schema.columns WHERE table_name = 'audit_log'
        AND column_name = 'actor_api_key_id'`.execute(db);
    expect(columns.rows).toEqual([]);
    const tables = await sql<{ name: string }>`SELECT table_name AS name
      FROM information_schema.tables WHERE table_name = 'api_keys'`.execute(db);
    expect(tables.rows).toEqual([]);
    expect((await migration.up()).error).toBeUndefined();
  });
});
