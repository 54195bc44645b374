import { randomUUID } from 'node:crypto';
import { createModules, type Services } from '@evently/api';
import { createDb, type DbHandle, migrateToLatest } from '@evently/db';
import {
  type CachePort,
  createMemoryCache,
  createMemoryLocks,
  createMemoryMailer,
  createMemoryPubSub,
  createMemoryQueue,
  createMemoryRateLimits,
  createRedis,
  createRedisCache,
  createRedisPubSub,
  createRedisRateLimits,
  type PubSubPort,
  type RateLimiterFactory,
  waitForRedis,
} from '@evently/platform';
import { deleteKeysByPrefix } from '@evently/platform/testing';
import { pino } from 'pino';

export interface BenchServices {
  services: Services;
  /** What the cache, pub/sub and rate limits run on, for the report. */
  backend: 'memory' | 'redis';
  close(): Promise<void>;
}

/**
 * The real services on embedded infrastructure: an in-memory PGlite database (migrated) unless
 * `db` is given (its owner closes it), and the in-process cache, pub/sub and rate limits — or
 * Redis for those when REDIS_URL is set (under a key prefix of its own, removed at the end).
 */
export async function createBenchServices(options: { db?: DbHandle } = {}): Promise<BenchServices> {
  const db = options.db ?? (await createDb({ dataDir: 'memory://' }));
  if (!options.db) await migrateToLatest(db.db);
  const log = pino({ level: 'silent' });
  const redisUrl = process.env.REDIS_URL;
  const redis = redisUrl ? createRedis(redisUrl, 'command') : undefined;
  const prefix = `bench:${randomUUID()}:`;
  let cache: CachePort;
  let pubsub: PubSubPort;
  let rateLimits: RateLimiterFactory;
  if (redisUrl && redis) {
    await waitForRedis(redis);
    cache = await createRedisCache(redis, { prefix });
    pubsub = await createRedisPubSub(redisUrl, { prefix });
    rateLimits = await createRedisRateLimits(redis, { prefix });
  } else {
    cache = createMemoryCache({ max: 10_000 });
    pubsub = createMemoryPubSub();
    rateLimits = createMemoryRateLimits();
  }
  const modules = await createModules({
    db,
    platform: {
      cache,
      pubsub,
      rateLimits,
      locks: createMemoryLocks(),
      queue: createMemoryQueue(),
      mailer: createMemoryMailer(log),
    },
    config: {
      auth: {
        jwtSecret: randomUUID() + randomUUID(),
        accessTokenTtlSeconds: 900,
        refreshTokenTtlSeconds: 86_400,
      },
      // The read benchmarks load anonymous reads from one address: keep the limiter in the path
      // (its cost is part of what they measure) but out of the way.
      anonymousReadsPerMinute: 1_000_000_000,
      mode: 'embedded',
      version: 'bench',
    },
    log,
  });
  const { services } = modules;
  return {
    services,
    backend: redis ? 'redis' : 'memory',
    async close() {
      await modules.close();
      await pubsub.close();
      await cache.close();
      if (redis) {
        await deleteKeysByPrefix(redis, prefix);
        redis.disconnect();
      }
      if (!options.db) await db.close();
    },
  };
}
