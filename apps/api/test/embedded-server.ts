import { createDb, type DbHandle, migrateToLatest } from '@evently/db';
import { createPlatform } from '@evently/platform';
import type { AnyTRPCRouter } from '@trpc/server';
import type { Logger } from 'pino';
import { createModules } from '../src/composition/create-modules.js';
import { type ApiServer, createServer, type ServerConfig } from '../src/server.js';
import type { Services } from '../src/services.js';
import { captureLog } from './capture-log.js';

/** An in-memory embedded database, migrated: enough for tests of the server's own concerns. */
export async function createMemoryDb(): Promise<DbHandle> {
  const db = await createDb({ dataDir: 'memory://' });
  await migrateToLatest(db.db);
  return db;
}

/** The services on in-process ports (embedded mode: no Redis, no SMTP), over `db`. */
export async function embeddedServices(
  db: DbHandle,
  version: string,
  log: Logger,
): Promise<Services> {
  const modules = await createModules({
    db,
    platform: await createPlatform(
      { mailFrom: 'Evently <test@evently.local>', prefix: 'test' },
      log,
    ),
    config: {
      auth: { jwtSecret: 'x'.repeat(32), accessTokenTtlSeconds: 60, refreshTokenTtlSeconds: 600 },
      mode: 'embedded',
      version,
    },
    log,
  });
  return modules.services;
}

export interface EmbeddedServer {
  server: ApiServer;
  url: string;
  port: number;
  /** Every log line the server wrote, parsed. */
  lines(): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** The API server on a free loopback port over embedded services, its log captured. */
export async function startEmbeddedServer(
  options: {
    router?: AnyTRPCRouter;
    config?: Partial<ServerConfig>;
    /** A database to share (the caller closes it); otherwise one of its own. */
    db?: DbHandle;
  } = {},
): Promise<EmbeddedServer> {
  const captured = captureLog();
  const db = options.db ?? (await createMemoryDb());
  const server = await createServer({
    config: { host: '127.0.0.1', port: 0, corsOrigins: [], trustProxy: false, ...options.config },
    log: captured.log,
    services: await embeddedServices(db, 'test', captured.log),
    checks: [],
    ...(options.router && { router: options.router }),
  });
  const url = await server.start();
  return {
    server,
    url,
    port: Number(new URL(url).port),
    lines: captured.lines,
    async stop() {
      await server.stop();
      if (!options.db) await db.close();
    },
  };
}
