import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, type DbHandle } from '../create-db.js';
import { migrateToLatest } from '../migrate.js';

/** The server tests create their databases on; trust auth on the local machine by default. */
export const TEST_ADMIN_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** Connection string of this file's own database. */
  url: string;
  name: string;
  handle: DbHandle;
  /** Closes the handle and drops the database. */
  drop(): Promise<void>;
}

function urlFor(name: string): string {
  const url = new URL(TEST_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A freshly migrated Postgres database of its own, so test files run in parallel without
 * touching each other (`migrate: false` leaves it empty). Call `drop()` in `afterAll`.
 */
export async function createTestDatabase(
  label = 'test',
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30);
  const name = `evently_${safe}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
  const url = urlFor(name);
  // The production default: test files run side by side (and CI runs beside other work) on one
  // server of max_connections 100, so each file's pools stay small.
  const handle = await createDb({ databaseUrl: url, poolSize: 10 });
  if (options.migrate !== false) await migrateToLatest(handle.db);
  return {
    url,
    name,
    handle,
    async drop() {
      await handle.close();
      await admin((c) =>
        c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
      );
    },
  };
}
