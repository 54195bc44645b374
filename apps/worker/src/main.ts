// Entry point of `pnpm start:worker`: the worker alone, against Postgres and Redis.

import { startWorkerRuntime } from '@evently/api';
import { createLogger, EnvError, openInfrastructure, stopOnSignals } from '@evently/platform';
import { readWorkerEnv, type WorkerEnv } from './env.js';

let env: WorkerEnv;
try {
  env = readWorkerEnv();
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const log = createLogger({ name: 'evently-worker', level: env.LOG_LEVEL });
const infra = await openInfrastructure(env, log);
const runtime = await startWorkerRuntime({
  db: infra.db,
  platform: infra.platform,
  log,
  bookings: { holdMinutes: env.BOOKING_HOLD_MINUTES, offerMinutes: env.WAITLIST_OFFER_MINUTES },
  retentionDays: env.RETENTION_DAYS,
});
log.info({ mode: 'production', database: 'postgres', redis: 'redis' }, 'Evently worker running');

stopOnSignals(log, async () => {
  await runtime.stop();
  await infra.close();
});
