import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from './migrations/index.js';
import { createTestDatabase, type TestDatabase } from './testing/test-database.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

async function dbMigrate(databaseUrl: string): Promise<string> {
  const { stdout } = await promisify(execFile)('pnpm', ['db:migrate'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      DATABASE_URL: databaseUrl,
    },
  });
  return stdout;
}

describe('pnpm db:migrate', () => {
  let empty: TestDatabase;
  beforeAll(async () => {
    empty = await createTestDatabase('cli', { migrate: false });
  });
  afterAll(async () => empty?.drop());

  it('migrates the database of DATABASE_URL, then finds nothing left to do', async () => {
    expect(await dbMigrate(empty.url)).toContain(`applied ${Object.keys(migrations).join(', ')}`);
    const tables = await sql<{ name: string }>`
      SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`.execute(
      empty.handle.db,
    );
    expect(tables.rows.map((r) => r.name)).toEqual(
      expect.arrayContaining(['outbox', 'processed_events', 'idempotency_keys', 'audit_log']),
    );
    expect(await dbMigrate(empty.url)).toContain('already up to date');
  });
});
