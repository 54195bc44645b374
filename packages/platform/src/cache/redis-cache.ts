import { Cluster } from 'ioredis';
import type { RedisClient } from '../redis/redis-connection.js';
import type { CachePort } from './cache.port.js';
import { decodeCacheEntry, encodeCacheEntry } from './cache-entry.js';

export interface RedisCacheOptions {
  /** Prepended to every cache key (`<prefix>cache:<key>`). */
  prefix: string;
}

/**
 * Cache in Redis, shared by every API instance. Use a 'command' connection: when Redis is down,
 * calls reject at once and the caller falls back to the database. The connection belongs to the
 * caller: close() leaves it open.
 */
export async function createRedisCache(
  redis: RedisClient,
  options: RedisCacheOptions,
): Promise<CachePort> {
  const redisKey = (key: string) => `${options.prefix}cache:${key}`;

  return {
    async get<T>(key: string) {
      return decodeCacheEntry<T>(await redis.get(redisKey(key)));
    },
    async set(key, value, ttlMs) {
      await redis.set(redisKey(key), encodeCacheEntry(key, value, ttlMs), 'PX', ttlMs);
    },
    async add(key, value, ttlMs) {
      const stored = await redis.set(
        redisKey(key),
        encodeCacheEntry(key, value, ttlMs),
        'PX',
        ttlMs,
        'NX',
      );
      return stored === 'OK';
    },
    async del(...keys) {
      if (keys.length === 0) return;
      // A multi-key DEL on a cluster fails (CROSSSLOT) unless the keys share a slot: one DEL
      // per key there (auto-pipelined, one write per node).
      if (redis instanceof Cluster) await Promise.all(keys.map((key) => redis.del(redisKey(key))));
      else await redis.del(...keys.map(redisKey));
    },
    async close() {},
  };
}
