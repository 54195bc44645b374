import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type RedisClient } from '../redis/redis-connection.js';
import { waitForRedis } from '../redis/wait-for-redis.js';
import { type RedisServer, startRedisServer } from '../testing/redis-server.js';
import type { CachePort } from './cache.port.js';
import { createRedisCache } from './redis-cache.js';

/** The reconnect wait of the fail-fast test's connection. */
const RECONNECT_MS = 30_000;

// Runs against its own throwaway redis-server, which it kills.
describe('redis cache when Redis dies', () => {
  let server: RedisServer;
  let redis: RedisClient;
  let cache: CachePort;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = createRedis(server.url, 'command');
    await waitForRedis(redis);
    cache = await createRedisCache(redis, { prefix: 'fault:' });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.kill();
  });

  it('rejects at once instead of waiting for Redis to come back', async () => {
    // A connection that would wait RECONNECT_MS before trying Redis again: a call that waited
    // for the reconnect (an offline queue) would take that long, one that failed at once not.
    const slow = createRedis(server.url, 'command', { retryStrategy: () => RECONNECT_MS });
    await waitForRedis(slow);
    const slowCache = await createRedisCache(slow, { prefix: 'fault:' });
    try {
      await slowCache.set('k', 'v', 60_000);
      await server.kill();
      const started = Date.now();
      await expect(slowCache.get('k')).rejects.toThrow();
      await expect(slowCache.set('k', 'v', 60_000)).rejects.toThrow();
      // Generous for a loaded machine, far below the reconnect wait.
      expect(Date.now() - started).toBeLessThan(RECONNECT_MS / 3);
    } finally {
      slow.disconnect();
    }
  });

  it('serves again, empty, after Redis restarts', async () => {
    await server.restart();
    await waitForRedis(redis);
    await expect(cache.get('k')).resolves.toBeUndefined();
    await cache.set('k', 'v', 60_000);
    await expect(cache.get('k')).resolves.toBe('v');
  });

  it('refuses to start when Redis never becomes ready', async () => {
    await server.kill();
    const unreachable = createRedis(server.url, 'command');
    try {
      await expect(waitForRedis(unreachable, 300)).rejects.toThrow(/not ready after 300 ms/);
    } finally {
      unreachable.disconnect();
    }
  });
});
