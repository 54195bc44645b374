import { createDb, type DbHandle, migrateToLatest } from '@evently/db';
import type { Logger } from 'pino';
import { createPlatform, type Platform } from '../create-platform.js';

/** The variables of `platformEnvShape` and `mailEnvShape` this needs. */
export interface InfrastructureEnv {
  DATABASE_URL?: string | undefined;
  DATABASE_POOL_SIZE: number;
  EVENTLY_DATA_DIR: string;
  REDIS_URL?: string | undefined;
  SMTP_URL?: string | undefined;
  MAIL_FROM: string;
  REDIS_PREFIX: string;
}

export interface Infrastructure {
  db: DbHandle;
  platform: Platform;
  /** Closes the platform, then the database. */
  close(): Promise<void>;
}

/** What both processes open first: the database (migrated to the newest schema) and the ports. */
export async function openInfrastructure(
  env: InfrastructureEnv,
  log: Logger,
): Promise<Infrastructure> {
  const db = await createDb({
    databaseUrl: env.DATABASE_URL,
    poolSize: env.DATABASE_POOL_SIZE,
    dataDir: `${env.EVENTLY_DATA_DIR}/pgdata`,
  });
  try {
    // Concurrent starts are safe: Kysely's migrator takes a lock.
    const applied = await migrateToLatest(db.db);
    if (applied.length) log.info({ applied }, 'migrations applied');
    const platform = await createPlatform(
      {
        redisUrl: env.REDIS_URL,
        smtpUrl: env.SMTP_URL,
        mailFrom: env.MAIL_FROM,
        prefix: env.REDIS_PREFIX,
      },
      log,
    );
    return {
      db,
      platform,
      async close() {
        await platform.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}
