import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type RedisSentinel, startRedisSentinel } from '../testing/redis-sentinel.js';
import { testPrefix } from '../testing/test-redis.js';
import { FAILOVER_TEST_TIMEOUT_MS, workThroughFailover } from './fixtures/work-through-failover.js';

/**
 * The master watched by three sentinels is SIGKILLed while locks are held and jobs are added
 * and run; the sentinels promote its replica (down after 1 s) and ioredis, asking them again,
 * reconnects to it.
 */
describe('Redis Sentinel losing its master mid-work', () => {
  let sentinel: RedisSentinel;

  beforeAll(async () => {
    sentinel = await startRedisSentinel();
  });
  afterAll(async () => {
    await sentinel?.stop();
  });

  it(
    'loses no acknowledged job, runs every job, and never grants a held lock twice',
    async () => {
      await workThroughFailover({
        url: sentinel.url,
        queuePrefix: `t:${randomUUID()}`,
        queueName: 'failover',
        lockPrefix: testPrefix(),
        lockKeys: ['a', 'b', 'c'],
        async failover() {
          const master = await sentinel.masterPort();
          await sentinel.kill(master);
          await sentinel.waitForFailover(master);
        },
      });
    },
    FAILOVER_TEST_TIMEOUT_MS,
  );
});
