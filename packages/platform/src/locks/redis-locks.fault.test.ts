import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type RedisClient } from '../redis/redis-connection.js';
import { waitForRedis } from '../redis/wait-for-redis.js';
import { deferred } from '../testing/deferred.js';
import { type RedisServer, startRedisServer } from '../testing/redis-server.js';
import type { LockPort } from './lock.port.js';
import { LockBackendError } from './lock-backend-error.js';
import { createRedisLocks } from './redis-locks.js';

/** The contention retry delay of the fail-fast test (jittered to at least half of it). */
const RETRY_DELAY_MS = 30_000;

// Runs against its own throwaway redis-server, which it kills.
describe('redis locks when Redis dies', () => {
  let server: RedisServer;
  let redis: RedisClient;
  let locks: LockPort;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = createRedis(server.url, 'command');
    await waitForRedis(redis);
    locks = await createRedisLocks(redis, { prefix: 'fault:' });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.kill();
  });

  it('aborts the signal of a holder whose Redis goes away, yet returns its result', async () => {
    const held = deferred();
    const result = locks.withLock(randomUUID(), { ttlMs: 300 }, async (signal) => {
      held.resolve();
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return signal.aborted;
    });
    await held.promise;
    await server.kill();
    await expect(result).resolves.toBe(true);
  });

  it('fails fast with a clear error instead of waiting when Redis is down', async () => {
    const started = Date.now();
    // Retries that would wait at least RETRY_DELAY_MS / 2 each if a dead backend were taken
    // for contention.
    const attempt = locks.withLock(
      randomUUID(),
      { ttlMs: 1_000, retryCount: 3, retryDelayMs: RETRY_DELAY_MS },
      async () => 'ran',
    );
    await expect(attempt).rejects.toBeInstanceOf(LockBackendError);
    await expect(attempt).rejects.toThrow(/lock backend unreachable/);
    // No retry waited: generous for a loaded machine, below the shortest retry delay.
    expect(Date.now() - started).toBeLessThan(RETRY_DELAY_MS / 3);
  });

  it('works again once Redis is back', async () => {
    await server.restart();
    await waitForRedis(redis);
    await expect(locks.withLock(randomUUID(), { ttlMs: 1_000 }, async () => 'ran')).resolves.toBe(
      'ran',
    );
  });
});
