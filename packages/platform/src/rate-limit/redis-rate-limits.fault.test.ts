import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type RedisClient } from '../redis/redis-connection.js';
import { waitForRedis } from '../redis/wait-for-redis.js';
import { type RedisServer, startRedisServer } from '../testing/redis-server.js';
import type { RateLimiterFactory } from './rate-limit.port.js';
import { createRedisRateLimits } from './redis-rate-limits.js';

/** The reconnect wait of this file's connection (it never needs Redis back). */
const RECONNECT_MS = 30_000;

// Runs against its own throwaway redis-server, which it kills.
describe('redis rate limits when Redis dies', () => {
  let server: RedisServer;
  let redis: RedisClient;
  let limits: RateLimiterFactory;

  beforeAll(async () => {
    server = await startRedisServer();
    // A call that waited for the reconnect (an offline queue) would take RECONNECT_MS; one that
    // failed at once would not.
    redis = createRedis(server.url, 'command', { retryStrategy: () => RECONNECT_MS });
    await waitForRedis(redis);
    limits = await createRedisRateLimits(redis, { prefix: 'fault:' });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.kill();
  });

  it('throws at once instead of allowing (or waiting) while Redis is down', async () => {
    const limiter = limits.create({ name: 'login:ip', points: 5, durationSeconds: 60 });
    const key = randomUUID();
    await expect(limiter.consume(key)).resolves.toMatchObject({ allowed: true });
    await server.kill();
    const started = Date.now();
    await expect(limiter.consume(key)).rejects.toThrow();
    await expect(limiter.reset(key)).rejects.toThrow();
    // Generous for a loaded machine, far below the reconnect wait a queued call would sit out.
    expect(Date.now() - started).toBeLessThan(RECONNECT_MS / 3);
  });
});
