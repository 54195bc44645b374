import { createDb, type DbHandle } from '@evently/db';
import { openInfrastructure } from '@evently/platform';
import type { Logger } from 'pino';
import { createModules, type Modules } from './composition/create-modules.js';
import { startWorkerRuntime, type WorkerRuntime } from './composition/worker-runtime.js';
import { stripeConfigOf } from './config/payments-env.js';
import type { ApiEnv } from './env.js';
import { metricsAccessFor } from './http/metrics-access.js';
import type { Mode } from './modules/system/system.service.js';
import { createServer } from './server.js';

/** `all`: API and worker in one process (pnpm start); `api`: the API alone (pnpm start:api). */
export type Role = 'all' | 'api';

export interface RunningApi {
  url: string;
  mode: Mode;
  stop(): Promise<void>;
}

export class StartupError extends Error {}

/**
 * Wires the process: database (migrated), platform ports, services, HTTP server and — for role
 * `all` — the worker in the same process. Returns once listening.
 */
export async function startApi(env: ApiEnv, role: Role, log: Logger): Promise<RunningApi> {
  if (role === 'api' && !(env.DATABASE_URL && env.REDIS_URL)) {
    // A separate API process cannot share an in-process queue or PGlite with a worker.
    throw new StartupError(
      'start:api runs the production layout and needs DATABASE_URL and REDIS_URL (use `pnpm start` for the embedded mode)',
    );
  }
  const mode: Mode = env.DATABASE_URL && env.REDIS_URL ? 'production' : 'embedded';
  const infra = await openInfrastructure(env, log);
  let replica: DbHandle | undefined;
  let worker: WorkerRuntime | undefined;
  let modules: Modules | undefined;
  try {
    const { db, platform } = infra;
    // Not migrated (it replays the primary) and not a readiness check: without it, lists read
    // the primary. The pool connects on first use, so a replica down at start delays nothing.
    replica = env.DATABASE_REPLICA_URL
      ? await createDb({ databaseUrl: env.DATABASE_REPLICA_URL, poolSize: env.DATABASE_POOL_SIZE })
      : undefined;
    modules = await createModules({
      db,
      replica,
      platform,
      config: {
        auth: {
          jwtSecret: env.JWT_SECRET,
          accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL,
          refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL,
        },
        bookings: {
          holdMinutes: env.BOOKING_HOLD_MINUTES,
          offerMinutes: env.WAITLIST_OFFER_MINUTES,
          eventLock: env.BOOKING_EVENT_LOCK,
        },
        retentionDays: env.RETENTION_DAYS,
        anonymousReadsPerMinute: env.ANONYMOUS_READS_PER_MINUTE,
        apiKeyRequestsPerMinute: env.API_KEY_REQUESTS_PER_MINUTE,
        publicReadMaxAgeMs: env.PUBLIC_READ_MAX_AGE_MS,
        stripe: stripeConfigOf(env),
        tickets: {
          signingKey: env.TICKET_SIGNING_KEY,
          requireKey: env.NODE_ENV === 'production',
        },
        webhooks: { allowPrivateNetworks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS },
        mode,
      },
      log,
    });
    const { services } = modules;
    if (env.ADMIN_EMAIL && env.ADMIN_PASSWORD) {
      const admin = await services.auth.ensureAdmin({
        email: env.ADMIN_EMAIL,
        password: env.ADMIN_PASSWORD,
      });
      log.info({ userId: admin.id }, 'admin account ensured from ADMIN_EMAIL');
    }
    const metrics = metricsAccessFor(env);
    if (metrics.kind === 'closed') {
      log.warn('METRICS_TOKEN is not set: /metrics answers 403 in production');
    }
    const server = await createServer({
      config: {
        host: env.HOST,
        port: env.PORT,
        corsOrigins: env.CORS_ORIGINS,
        trustProxy: env.TRUST_PROXY,
        publicUrl: env.PUBLIC_URL,
        consoleDir: env.CONSOLE_DIR,
        metrics,
      },
      log,
      services,
      checks: [{ name: 'database', check: () => db.ping() }, ...platform.checks],
      devMailbox: platform.devMailbox,
      stripeWebhook: modules.http.stripeWebhook,
    });
    if (role === 'all') {
      worker = await startWorkerRuntime({
        db,
        queue: platform.queue,
        parts: modules.worker,
        log: log.child({ component: 'worker' }),
      });
    }
    const url = await server.start();

    return {
      url,
      mode,
      async stop() {
        // Drain HTTP first (no new work), then the worker, then the connections they used.
        await server.stop();
        await worker?.stop();
        await modules?.close();
        await replica?.close();
        await infra.close();
      },
    };
  } catch (error) {
    await worker?.stop().catch(() => {});
    await modules?.close().catch(() => {});
    await replica?.close().catch(() => {});
    await infra.close().catch(() => {});
    throw error;
  }
}
