import { randomUUID } from 'node:crypto';
import {
  type ApiServer,
  createModules,
  createServer,
  type Modules,
  type Services,
  startWorkerRuntime,
  type WorkerRuntime,
} from '@evently/api';
import type { DbHandle } from '@evently/db';
import { createPlatform, createRedis, type Platform, waitForRedis } from '@evently/platform';
import { deleteKeysByPrefix } from '@evently/platform/testing';
import { createEventlyClient, type EventlyClient } from '@evently/sdk';
import { EventSource } from 'eventsource';
import { pino } from 'pino';

export interface AnalyticsApp {
  url: string;
  services: Services;
  platform: Platform;
  /** An admin's access token (analytics of every event). */
  adminToken: string;
  close(): Promise<void>;
}

/** The principal behind the app's admin token (the organizer of what a bench seeds). */
export function adminPrincipal(
  app: AnalyticsApp,
): Promise<Awaited<ReturnType<Services['auth']['authenticate']>>> {
  return app.services.auth.authenticate(app.adminToken);
}

/**
 * The API on `db` in this process, over Redis when REDIS_URL is set (its own key prefix, deleted
 * at the end), with the worker runtime when `worker` — the projection and the live stream's
 * publisher — as `pnpm start` runs them.
 */
export async function startAnalyticsApp(
  db: DbHandle,
  worker: boolean,
  /**
   * What the modules get instead of the platform (the bench's timed ports, which time the
   * worker's stages and pass everything else through).
   */
  workerPlatform: (platform: Platform) => Platform = (platform) => platform,
): Promise<AnalyticsApp> {
  const log = pino({ level: 'silent' });
  const prefix = `bench:${randomUUID()}`;
  const platform = await createPlatform(
    { redisUrl: process.env.REDIS_URL, mailFrom: 'bench@evently.local', prefix },
    log,
  );
  const ports = worker ? workerPlatform(platform) : platform;
  const modules: Modules = await createModules({
    db,
    platform: ports,
    config: {
      auth: {
        jwtSecret: randomUUID() + randomUUID(),
        accessTokenTtlSeconds: 3_600,
        refreshTokenTtlSeconds: 86_400,
      },
      mode: platform.redis === 'redis' ? 'production' : 'embedded',
      version: 'bench',
    },
    log,
  });
  const { services } = modules;
  const server: ApiServer = await createServer({
    config: { host: '127.0.0.1', port: 0, corsOrigins: [], trustProxy: false },
    log,
    services,
    checks: [],
  });
  const runtime: WorkerRuntime | undefined = worker
    ? await startWorkerRuntime({ db, queue: ports.queue, parts: modules.worker, log })
    : undefined;
  const url = await server.start();
  const credentials = { email: 'analytics-admin@bench.example', password: 'analytics bench 0123' };
  await services.auth.ensureAdmin(credentials);
  const { accessToken } = await services.auth.login(credentials, {
    ip: '127.0.0.1',
    userAgent: null,
  });
  return {
    url,
    services,
    platform,
    adminToken: accessToken,
    async close() {
      await server.stop();
      await runtime?.stop();
      await modules.close();
      await platform.close();
      if (process.env.REDIS_URL) {
        const redis = createRedis(process.env.REDIS_URL, 'command');
        await waitForRedis(redis);
        await deleteKeysByPrefix(redis, `${prefix}:`);
        redis.disconnect();
      }
    },
  };
}

/**
 * An SDK client whose calls and SSE subscriptions carry the token (the SDK connects the
 * `eventsource` package's EventSource through a fetch that adds the client's headers).
 */
export function liveClient(url: string, accessToken: string): EventlyClient {
  return createEventlyClient({
    url,
    headers: () => ({ authorization: `Bearer ${accessToken}` }),
    EventSource,
  });
}
