import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';

export type DbKind = 'postgres' | 'pglite';

export interface DbOptions {
  /** Postgres connection string; when absent, an embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** Where PGlite persists its files (embedded mode only). `memory://` keeps it in memory. */
  dataDir?: string | undefined;
  /** pg pool size (production only). */
  poolSize?: number | undefined;
}

export type NotifyHandler = (payload: string) => void;

export interface DbHandle {
  db: Kysely<Database>;
  kind: DbKind;
  /** LISTEN on a channel; resolves once listening. A hint only: callers must also poll. */
  listen(channel: string, handler: NotifyHandler): Promise<() => Promise<void>>;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** int8 stays a string on both drivers (bigserial values may exceed 2^53). */
const INT8_OID = 20;

export async function createDb(options: DbOptions): Promise<DbHandle> {
  return options.databaseUrl
    ? createPostgresDb(options.databaseUrl, options.poolSize ?? 10)
    : createPgliteDb(options.dataDir ?? '.evently/pgdata');
}

function createPostgresDb(connectionString: string, max: number): DbHandle {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection (Postgres restart) must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const listeners = new Set<pg.Client>();

  return {
    db,
    kind: 'postgres',
    async listen(channel, handler) {
      // LISTEN needs a dedicated connection outside the pool.
      const client = new pg.Client({ connectionString });
      client.on('error', () => {});
      client.on('notification', (n) => {
        if (n.channel === channel) handler(n.payload ?? '');
      });
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      listeners.add(client);
      return async () => {
        listeners.delete(client);
        await client.end().catch(() => {});
      };
    },
    async ping() {
      const client = await pool.connect();
      try {
        await client.query('SELECT 1');
      } finally {
        client.release();
      }
    },
    async close() {
      await Promise.all([...listeners].map((c) => c.end().catch(() => {})));
      await db.destroy();
    },
  };
}

async function createPgliteDb(dataDir: string): Promise<DbHandle> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, { parsers: { [INT8_OID]: (v: string) => v } });
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    kind: 'pglite',
    async listen(channel, handler) {
      return pglite.listen(channel, handler);
    },
    async ping() {
      await pglite.query('SELECT 1');
    },
    async close() {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}
