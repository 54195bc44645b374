import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { type ListenEvents, listenResiliently, type NotifyHandler } from './listen-connection.js';

export type DbKind = 'postgres' | 'pglite';

export interface DbOptions {
  /** Postgres connection string; when absent, an embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** Where PGlite persists its files (embedded mode only). `memory://` keeps it in memory. */
  dataDir?: string | undefined;
  /** pg pool size (production only). */
  poolSize?: number | undefined;
}

export type { ListenEvents, NotifyHandler } from './listen-connection.js';

export interface DbHandle {
  db: Kysely<Database>;
  kind: DbKind;
  /**
   * LISTEN on a channel; resolves once listening. A hint only: callers must also poll. On
   * Postgres a lost connection is made again by itself (with backoff), LISTENs again and then
   * calls `handler(undefined)`: notifications sent meanwhile were missed.
   */
  listen(
    channel: string,
    handler: NotifyHandler,
    events?: ListenEvents,
  ): Promise<() => Promise<void>>;
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
  // A connection the server ends (a Postgres restart or stop: 57P01) is reported as an 'error'
  // event on its client. pg-pool listens on its IDLE clients only (and re-emits on the pool);
  // while a client is checked out — in a transaction, between two statements — nobody does,
  // and an 'error' event nobody listens to ends the process. So every client gets a listener
  // of its own when the pool connects it: the call in flight still rejects, and pg-pool drops
  // the broken client when it is released. (Never log the error itself: pg-pool hangs the
  // client, whose parameters hold the password, on it.)
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const listeners = new Set<() => Promise<void>>();

  return {
    db,
    kind: 'postgres',
    async listen(channel, handler, events) {
      // LISTEN needs a dedicated connection outside the pool.
      const stop = await listenResiliently(connectionString, channel, handler, events);
      listeners.add(stop);
      return async () => {
        listeners.delete(stop);
        await stop();
      };
    },
    async ping() {
      const client = await pool.connect();
      let failure: Error | undefined;
      try {
        await client.query('SELECT 1');
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        // With an error, pg-pool discards the client rather than hand it out again.
        client.release(failure);
      }
    },
    async close() {
      await Promise.all([...listeners].map((stop) => stop()));
      listeners.clear();
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
