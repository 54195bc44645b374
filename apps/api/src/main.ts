// Entry point of `pnpm start` (API + worker) and `pnpm start:api` (`--role=api`).
import { createLogger, EnvError, stopOnSignals } from '@evently/platform';
import { type Role, StartupError, startApi } from './bootstrap.js';
import { readApiEnv } from './env.js';

const role: Role = process.argv.includes('--role=api') ? 'api' : 'all';

let env: ReturnType<typeof readApiEnv>;
try {
  env = readApiEnv();
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const log = createLogger({
  name: role === 'all' ? 'evently' : 'evently-api',
  level: env.LOG_LEVEL,
});
if (env.jwtSecretGenerated) {
  log.warn('JWT_SECRET is not set: using a random secret for this process (tokens end with it)');
}

let running: Awaited<ReturnType<typeof startApi>>;
try {
  running = await startApi(env, role, log);
} catch (error) {
  if (error instanceof StartupError) {
    console.error(error.message);
  } else {
    log.fatal({ err: error }, 'start-up failed');
  }
  process.exit(1);
}

log.info(
  {
    mode: running.mode,
    role,
    url: running.url,
    database: env.DATABASE_URL ? 'postgres' : `pglite (${env.EVENTLY_DATA_DIR}/pgdata)`,
    redis: env.REDIS_URL ? 'redis' : 'in-process',
    mail: env.SMTP_URL ? 'smtp' : `dev mailbox (${running.url}/dev/mailbox)`,
  },
  running.mode === 'embedded'
    ? `Evently is running in embedded mode at ${running.url} (no services needed). For production set DATABASE_URL and REDIS_URL (and SMTP_URL), then run pnpm start:api and pnpm start:worker.`
    : `Evently is running in production mode at ${running.url}`,
);

stopOnSignals(log, () => running.stop());
