// Entry point of `pnpm start:worker`: the worker alone, against Postgres and Redis.
import { createDb, migrateToLatest } from '@evently/db';
import { createLogger, createPlatform, EnvError } from '@evently/platform';
import { readWorkerEnv, type WorkerEnv } from './env.js';
import { startWorkerRuntime } from './runtime.js';

let env: WorkerEnv;
try {
  env = readWorkerEnv();
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const log = createLogger({ name: 'evently-worker', level: env.LOG_LEVEL });
const db = await createDb({ databaseUrl: env.DATABASE_URL });
await migrateToLatest(db.db);
const platform = await createPlatform(
  {
    redisUrl: env.REDIS_URL,
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    prefix: env.REDIS_PREFIX,
  },
  log,
);
const runtime = await startWorkerRuntime({ db, platform, log });
log.info({ mode: 'production', database: 'postgres', redis: 'redis' }, 'Evently worker running');

let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  const timer = setTimeout(() => {
    log.error('shutdown timed out');
    process.exit(1);
  }, 20_000);
  timer.unref();
  try {
    await runtime.stop();
    await platform.close();
    await db.close();
    log.info('stopped');
    process.exit(0);
  } catch (error) {
    log.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
