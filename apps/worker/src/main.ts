// Entry point of `pnpm start:worker`: the worker alone, against Postgres and Redis.

import { createModules, startWorkerRuntime, stripeConfigOf } from '@evently/api';
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
const modules = await createModules({
  db: infra.db,
  platform: infra.platform,
  config: {
    bookings: {
      holdMinutes: env.BOOKING_HOLD_MINUTES,
      offerMinutes: env.WAITLIST_OFFER_MINUTES,
      eventLock: env.BOOKING_EVENT_LOCK,
    },
    retentionDays: env.RETENTION_DAYS,
    // The worker issues Stripe refunds.
    stripe: stripeConfigOf(env),
    // The confirmation mail's ticket codes are signed here, with the API's key.
    tickets: { signingKey: env.TICKET_SIGNING_KEY, requireKey: env.NODE_ENV === 'production' },
    // The worker delivers webhooks: whether private addresses may be delivered to.
    webhooks: { allowPrivateNetworks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS },
    mode: 'production',
  },
  log,
});
const runtime = await startWorkerRuntime({
  db: infra.db,
  queue: infra.platform.queue,
  parts: modules.worker,
  log,
});
log.info({ mode: 'production', database: 'postgres', redis: 'redis' }, 'Evently worker running');

stopOnSignals(log, async () => {
  await runtime.stop();
  await modules.close();
  await infra.close();
});
