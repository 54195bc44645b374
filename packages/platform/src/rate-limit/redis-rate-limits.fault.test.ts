import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../redis/redis-connection.js';
import { waitForRedis } from '../redis/wait-for-redis.js';
import { type RedisServer, startRedisServer } from '../testing/redis-server.js';
import type { RateLimiterFactory } from './rate-limit.port.js';
import { createRedisRateLimits } from './redis-rate-limits.js';

// Runs against its own throwaway redis-server, which it kills.
describe('redis rate limits when Redis dies', () => {
  let server: RedisServer;
  let redis: Redis;
  let limits: RateLimiterFactory;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = createRedis(server.url, 'command');
    await waitForRedis(redis);
    limits = await createRedisRateLimits(redis, { prefix: 'fault:' });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.kill();
  });

  it('throws instead of allowing while Redis is down', async () => {
    const limiter = limits.create({ name: 'login:ip', points: 5, durationSeconds: 60 });
    const key = randomUUID();
    await expect(limiter.consume(key)).resolves.toMatchObject({ allowed: true });
    await server.kill();
    const started = Date.now();
    await expect(limiter.consume(key)).rejects.toThrow();
    await expect(limiter.reset(key)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(500);
  });
});
