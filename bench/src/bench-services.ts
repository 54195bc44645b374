import { randomUUID } from 'node:crypto';
import { createServices, type Services } from '@evently/api';
import { createDb, migrateToLatest } from '@evently/db';
import {
  type CachePort,
  createMemoryCache,
  createMemoryRateLimits,
  createRedis,
  createRedisCache,
  createRedisRateLimits,
  type RateLimiterFactory,
  waitForRedis,
} from '@evently/platform';
import { deleteKeysByPrefix } from '@evently/platform/testing';
import { pino } from 'pino';

export interface BenchServices {
  services: Services;
  /** What the session cache and rate limits run on, for the report. */
  backend: 'memory' | 'redis';
  close(): Promise<void>;
}

/**
 * The real services on embedded infrastructure: an in-memory PGlite database (migrated), and the
 * in-process cache and rate limits — or Redis for those two when REDIS_URL is set (under a key
 * prefix of its own, removed at the end).
 */
export async function createBenchServices(): Promise<BenchServices> {
  const db = await createDb({ dataDir: 'memory://' });
  await migrateToLatest(db.db);
  const redisUrl = process.env.REDIS_URL;
  const redis = redisUrl ? createRedis(redisUrl, 'command') : undefined;
  const prefix = `bench:${randomUUID()}:`;
  let cache: CachePort;
  let rateLimits: RateLimiterFactory;
  if (redis) {
    await waitForRedis(redis);
    cache = await createRedisCache(redis, { prefix });
    rateLimits = await createRedisRateLimits(redis, { prefix });
  } else {
    cache = createMemoryCache({ max: 10_000 });
    rateLimits = createMemoryRateLimits();
  }
  const services = await createServices({
    db: db.db,
    platform: { cache, rateLimits },
    auth: {
      jwtSecret: randomUUID() + randomUUID(),
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 86_400,
    },
    mode: 'embedded',
    version: 'bench',
    log: pino({ level: 'silent' }),
  });
  return {
    services,
    backend: redis ? 'redis' : 'memory',
    async close() {
      await cache.close();
      if (redis) {
        await deleteKeysByPrefix(redis, prefix);
        redis.disconnect();
      }
      await db.close();
    },
  };
}
