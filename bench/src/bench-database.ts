import { randomBytes } from 'node:crypto';
import { createDb, type DbHandle, migrateToLatest } from '@evently/db';
import { sql } from 'kysely';

export interface BenchDatabase {
  handle: DbHandle;
  /** What it runs on, for the report. */
  label: string;
  /** The throwaway Postgres database's URL (for other processes); absent on PGlite. */
  url?: string;
  /** Closes it; a throwaway Postgres database is dropped. */
  close(): Promise<void>;
}

/**
 * A migrated database for one bench: with DATABASE_URL, a throwaway database on that server
 * (created like the test helper does, dropped at the end, so the server's own data is never
 * touched); without it, PGlite in memory.
 */
export async function openBenchDatabase(poolSize = 20): Promise<BenchDatabase> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const handle = await createDb({ dataDir: 'memory://' });
    await migrateToLatest(handle.db);
    return { handle, label: 'PGlite in memory', close: () => handle.close() };
  }
  const name = `evently_bench_${randomBytes(4).toString('hex')}`;
  const server = await createDb({ databaseUrl: url, poolSize: 1 });
  await sql`CREATE DATABASE ${sql.id(name)}`.execute(server.db);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const handle = await createDb({ databaseUrl: target.toString(), poolSize });
  await migrateToLatest(handle.db);
  return {
    handle,
    label: `Postgres (throwaway database ${name})`,
    url: target.toString(),
    async close() {
      await handle.close();
      await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(server.db);
      await server.close();
    },
  };
}
