import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockPort } from '../locks/lock.port.js';
import { createRedisLocks } from '../locks/redis-locks.js';
import { bullmqQueueName, createBullmqQueue } from '../queue/bullmq-queue.js';
import { deferred } from '../testing/deferred.js';
import { type RedisCluster, startRedisCluster } from '../testing/redis-cluster.js';
import { connectTestRedis, testPrefix } from '../testing/test-redis.js';
import type { RedisClient } from './redis-connection.js';

/** Generous: the machine may be loaded; quiet, the failover takes 3-5 s. */
const DRAIN_TIMEOUT_MS = 60_000;
const LOCK_TTL_MS = 2_000;

/**
 * One master of a 3-master cluster is SIGKILLed while locks on its slots are held and jobs of a
 * queue on its slot are being added and run; its replica takes over (cluster-node-timeout 2 s).
 */
describe('a Redis Cluster losing a master mid-work', () => {
  let cluster: RedisCluster;
  const connections: RedisClient[] = [];
  const prefix = testPrefix();
  const queuePrefix = `t:${randomUUID()}`;

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    for (const redis of connections) redis.disconnect();
    await cluster?.stop();
  });

  it('loses no acknowledged job, runs every job, and never grants a held lock twice', async () => {
    const queueName = 'failover';
    // The master that serves the queue's slot; the locks are put on the same master.
    const victim = await cluster.masterOf(
      `${queuePrefix}:${bullmqQueueName(cluster.url, queueName)}:wait`,
    );
    const lockKeys = await keysServedBy(cluster, victim, (key) => `${prefix}lock:${key}`, 3);

    const producer = createBullmqQueue({ url: cluster.url, prefix: queuePrefix });
    const consumer = createBullmqQueue({ url: cluster.url, prefix: queuePrefix });
    const processed = new Map<string, number>();
    consumer.process<null>(
      queueName,
      async (job) => {
        processed.set(job.id, (processed.get(job.id) ?? 0) + 1);
      },
      { concurrency: 4 },
    );

    const instances: LockPort[] = [];
    for (let i = 0; i < 2; i++) {
      const redis = await connectTestRedis('command', cluster.url);
      connections.push(redis);
      instances.push(await createRedisLocks(redis, { prefix }));
    }

    let stop = false;
    const acknowledged = new Set<string>();
    const lockStats = { holds: 0, maxInside: 0 };
    const inside = new Map<string, number>();

    // Adds jobs one after another; an add that fails (the master is gone) is retried with the
    // same job id, as the outbox relay retries — the id deduplicates.
    const adding = (async () => {
      for (let n = 0; !stop; n++) {
        const jobId = `job-${n}`;
        while (true) {
          try {
            await producer.add(queueName, { name: 'work', data: null, options: { jobId } });
            acknowledged.add(jobId);
            break;
          } catch {
            await sleep(100);
          }
        }
        await sleep(5);
      }
    })();

    /** Counts the holder inside until `until` settles or its signal aborts; true if it aborted. */
    const hold = async (key: string, signal: AbortSignal, until: Promise<unknown>) => {
      let left = false;
      const leave = () => {
        if (left) return;
        left = true;
        inside.set(key, (inside.get(key) ?? 1) - 1);
      };
      const now = (inside.get(key) ?? 0) + 1;
      inside.set(key, now);
      lockStats.maxInside = Math.max(lockStats.maxInside, now);
      lockStats.holds += 1;
      signal.addEventListener('abort', leave);
      await until;
      leave();
      return signal.aborted;
    };

    // Each instance takes each key over and over. A holder counts as inside until its routine
    // returns or its signal aborts (the lock may be lost: it must stop relying on it).
    const loops = instances.flatMap((locks) =>
      lockKeys.map(async (key) => {
        while (!stop) {
          try {
            await locks.withLock(key, { ttlMs: LOCK_TTL_MS, retryDelayMs: 20 }, (signal) =>
              hold(key, signal, sleep(30)),
            );
          } catch {
            // Contention, or no master for the key during the failover: try again.
            await sleep(50);
          }
        }
      }),
    );

    // Mid-work: jobs acknowledged and locks taken before the kill.
    await expect
      .poll(() => acknowledged.size > 20 && lockStats.holds > 10, { timeout: DRAIN_TIMEOUT_MS })
      .toBe(true);
    // Jobs still queued at the kill: delayed past the failover.
    const delayed = Array.from({ length: 10 }, (_, i) => `delayed-${i}`);
    await producer.addBulk(
      queueName,
      delayed.map((jobId) => ({ name: 'later', data: null, options: { jobId, delayMs: 3_000 } })),
    );
    for (const jobId of delayed) acknowledged.add(jobId);
    // And one lock held across the kill, on a key the others keep trying to take.
    const [heldKey = ''] = lockKeys;
    const failedOver = deferred();
    const holding = deferred();
    const heldAcross = instances[0]?.withLock(
      heldKey,
      { ttlMs: LOCK_TTL_MS, retryCount: 1_000, retryDelayMs: 20 },
      (signal) => {
        holding.resolve();
        return hold(heldKey, signal, Promise.race([failedOver.promise, aborted(signal)]));
      },
    );
    await holding.promise;
    const beforeKill = acknowledged.size;
    await cluster.kill(victim);
    await cluster.waitForFailover(victim);
    failedOver.resolve();
    // Aborted or not (ioredis may carry its extension over to the new master), it was inside.
    await heldAcross;
    // Work goes on on the promoted replica: more jobs and more holds after the failover.
    const holdsAfterFailover = lockStats.holds;
    await expect
      .poll(
        () => acknowledged.size > beforeKill + 20 && lockStats.holds > holdsAfterFailover + 10,
        { timeout: DRAIN_TIMEOUT_MS },
      )
      .toBe(true);
    stop = true;
    await Promise.all([adding, ...loops]);

    // Every acknowledged job runs (at least once: a job active at the kill may run again).
    await expect
      .poll(() => [...acknowledged].filter((id) => !processed.has(id)), {
        timeout: DRAIN_TIMEOUT_MS,
        interval: 200,
      })
      .toEqual([]);
    expect(lockStats.maxInside).toBe(1);

    await Promise.all([producer.close(), consumer.close(), ...instances.map((l) => l.close())]);
  });
});

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}

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
