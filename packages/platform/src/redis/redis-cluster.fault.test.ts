import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { bullmqQueueName } from '../queue/bullmq-queue.js';
import { type RedisCluster, startRedisCluster } from '../testing/redis-cluster.js';
import { testPrefix } from '../testing/test-redis.js';
import { FAILOVER_TEST_TIMEOUT_MS, workThroughFailover } from './fixtures/work-through-failover.js';

/**
 * One master of a 3-master cluster is SIGKILLed while locks on its slots are held and jobs of a
 * queue on its slot are being added and run; its replica takes over (cluster-node-timeout 2 s).
 */
describe('a Redis Cluster losing a master mid-work', () => {
  let cluster: RedisCluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it(
    'loses no acknowledged job, runs every job, and never grants a held lock twice',
    async () => {
      const queuePrefix = `t:${randomUUID()}`;
      const queueName = 'failover';
      const lockPrefix = testPrefix();
      // The master that serves the queue's slot; the locks are put on the same master.
      const victim = await cluster.masterOf(
        `${queuePrefix}:${bullmqQueueName(cluster.url, queueName)}:wait`,
      );
      const lockKeys = await keysServedBy(cluster, victim, (key) => `${lockPrefix}lock:${key}`, 3);
      await workThroughFailover({
        url: cluster.url,
        queuePrefix,
        queueName,
        lockPrefix,
        lockKeys,
        async failover() {
          await cluster.kill(victim);
          await cluster.waitForFailover(victim);
        },
      });
    },
    FAILOVER_TEST_TIMEOUT_MS,
  );
});

/** `count` keys whose Redis key (`toRedisKey`) lives on the master at `port`. */
async function keysServedBy(
  cluster: RedisCluster,
  port: number,
  toRedisKey: (key: string) => string,
  count: number,
): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++) {
    if (i > 200) throw new Error(`no keys found on the master at ${port}`);
    const key = `k${i}`;
    if ((await cluster.masterOf(toRedisKey(key))) === port) keys.push(key);
  }
  return keys;
}
