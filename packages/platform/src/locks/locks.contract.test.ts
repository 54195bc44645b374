import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../redis/redis-connection.js';
import { deferred } from '../testing/deferred.js';
import { sharedRedisCluster, stopSharedRedisCluster } from '../testing/redis-cluster.js';
import { deleteKeysByPrefix } from '../testing/redis-keys.js';
import { connectTestRedis, testPrefix } from '../testing/test-redis.js';
import { type LockPort, LockUnavailableError } from './lock.port.js';
import { LockExpiredError } from './lock-expired-error.js';
import { createMemoryLocks } from './memory-locks.js';
import { createRedisLocks } from './redis-locks.js';

const prefix = testPrefix();
const connections: RedisClient[] = [];
const clusterConnections: RedisClient[] = [];

interface Backend {
  name: string;
  /** `peer` is how another API instance sees the same locks (for in-process: the same object). */
  setup(): Promise<{ locks: LockPort; peer: LockPort }>;
}

const backends: Backend[] = [
  {
    name: 'memory',
    async setup() {
      const locks = createMemoryLocks();
      return { locks, peer: locks };
    },
  },
  {
    name: 'redis',
    async setup() {
      // Two connections, as two processes would have.
      const [first, second] = await Promise.all([connectTestRedis(), connectTestRedis()]);
      connections.push(first, second);
      const [locks, peer] = await Promise.all([
        createRedisLocks(first, { prefix }),
        createRedisLocks(second, { prefix }),
      ]);
      return { locks, peer };
    },
  },
  {
    name: 'redis cluster',
    async setup() {
      const { url } = await sharedRedisCluster();
      const [first, second] = await Promise.all([
        connectTestRedis('command', url),
        connectTestRedis('command', url),
      ]);
      clusterConnections.push(first, second);
      const [locks, peer] = await Promise.all([
        createRedisLocks(first, { prefix }),
        createRedisLocks(second, { prefix }),
      ]);
      return { locks, peer };
    },
  },
];

afterAll(async () => {
  // The throwaway cluster goes with its keys, first: nothing below may leave its servers behind.
  for (const redis of clusterConnections) redis.disconnect();
  await stopSharedRedisCluster();
  const [any] = connections;
  if (any) await deleteKeysByPrefix(any, prefix);
  await Promise.all(connections.map((redis) => redis.quit()));
});

describe.each(backends)('$name locks (contract)', ({ setup }) => {
  const ttlMs = 2_000;
  let locks: LockPort;
  let peer: LockPort;

  beforeAll(async () => {
    ({ locks, peer } = await setup());
  });
  afterAll(async () => {
    await locks.close();
    await peer.close();
  });

  it('never lets concurrent holders of one key overlap', async () => {
    const key = randomUUID();
    let inside = 0;
    let maxInside = 0;
    let completed = 0;
    await Promise.all(
      Array.from({ length: 12 }, () =>
        locks.withLock(key, { ttlMs }, async () => {
          inside += 1;
          maxInside = Math.max(maxInside, inside);
          await sleep(3); // some work while holding the lock, so overlap would show
          inside -= 1;
          completed += 1;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(completed).toBe(12);
  });

  it('excludes holders coming through two instances', async () => {
    const key = randomUUID();
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? locks : peer).withLock(key, { ttlMs }, async () => {
          inside += 1;
          maxInside = Math.max(maxInside, inside);
          await sleep(3);
          inside -= 1;
        }),
      ),
    );
    expect(maxInside).toBe(1);
  });

  it('takes turns between two instances that both keep coming back', async () => {
    // An allocator holds the lock batch after batch; another instance must still get its turns.
    const key = randomUUID();
    const holders: string[] = [];
    const keepComing = async (name: string, port: LockPort) => {
      for (let i = 0; i < 15; i++) {
        await port.withLock(key, { ttlMs, retryDelayMs: 2, retryCount: 2_000 }, async () => {
          holders.push(name);
          await sleep(3);
        });
      }
    };
    await Promise.all([keepComing('A', locks), keepComing('B', peer)]);
    let streak = 1;
    let longest = 1;
    for (let i = 1; i < holders.length; i++) {
      streak = holders[i] === holders[i - 1] ? streak + 1 : 1;
      longest = Math.max(longest, streak);
    }
    expect(holders).toHaveLength(30);
    // A claim can land just after a release it should have caught: short streaks happen.
    expect(longest).toBeLessThanOrEqual(5);
  });

  it('wakes a waiting instance when the lock is released, not at its next retry', async () => {
    const key = randomUUID();
    const held = deferred();
    let releasedAt = 0;
    const holder = locks.withLock(key, { ttlMs }, async () => {
      held.resolve();
      await sleep(50);
      releasedAt = Date.now();
    });
    await held.promise;
    // One retry, at least 20 s away (±50 % jitter on 40 s): only a wake-up gets it in sooner.
    const retryDelayMs = 40_000;
    const acquiredAt = await peer.withLock(key, { ttlMs, retryCount: 1, retryDelayMs }, async () =>
      Date.now(),
    );
    await holder;
    // Generous for a loaded machine, far below the retry a poll would have waited for.
    expect(acquiredAt - releasedAt).toBeLessThan(retryDelayMs / 4);
  });

  it('lets different keys be held at the same time', async () => {
    const first = randomUUID();
    const second = randomUUID();
    const result = await locks.withLock(first, { ttlMs }, () =>
      peer.withLock(second, { ttlMs, retryCount: 0 }, async () => 'both held'),
    );
    expect(result).toBe('both held');
  });

  it('refuses a second acquirer with retryCount 0 while the lock is held', async () => {
    const key = randomUUID();
    const release = deferred();
    const held = deferred();
    const holder = locks.withLock(key, { ttlMs }, async () => {
      held.resolve();
      await release.promise;
    });
    await held.promise;
    let ran = false;
    for (const contender of [locks, peer]) {
      const attempt = contender.withLock(key, { ttlMs, retryCount: 0 }, async () => {
        ran = true;
      });
      await expect(attempt).rejects.toBeInstanceOf(LockUnavailableError);
      await expect(attempt).rejects.toMatchObject({ key });
    }
    expect(ran).toBe(false);
    release.resolve();
    await holder;
  });

  it('hands the lock to a waiting acquirer once the holder is done', async () => {
    const key = randomUUID();
    const release = deferred();
    const held = deferred();
    const holder = locks.withLock(key, { ttlMs }, async () => {
      held.resolve();
      await release.promise;
    });
    await held.promise;
    const waiter = peer.withLock(
      key,
      { ttlMs, retryCount: 100, retryDelayMs: 10 },
      async () => 'got it',
    );
    release.resolve();
    await holder;
    await expect(waiter).resolves.toBe('got it');
  });

  it('releases the lock when fn throws and passes the error through', async () => {
    const key = randomUUID();
    const failure = new Error('boom');
    await expect(
      locks.withLock(key, { ttlMs }, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    await expect(
      peer.withLock(key, { ttlMs, retryCount: 0 }, async () => 'free again'),
    ).resolves.toBe('free again');
  });

  it('returns the value fn resolves with', async () => {
    const value = { seats: [1, 2, 3] };
    await expect(locks.withLock(randomUUID(), { ttlMs }, async () => value)).resolves.toBe(value);
  });

  it('gives fn a signal that is not aborted while the lock is healthy', async () => {
    const aborted = await locks.withLock(randomUUID(), { ttlMs }, async (signal) => signal.aborted);
    expect(aborted).toBe(false);
  });

  it('rejects invalid options before touching the lock', async () => {
    await expect(locks.withLock(randomUUID(), { ttlMs: 10 }, async () => 1)).rejects.toThrow();
    await expect(locks.withLock('', { ttlMs }, async () => 1)).rejects.toThrow();
  });
});

describe('memory locks (in-process specifics)', () => {
  it('serves waiters in arrival order', async () => {
    const locks = createMemoryLocks();
    const key = randomUUID();
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        locks.withLock(key, { ttlMs: 1_000 }, async () => {
          order.push(i);
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('aborts a holder that outlives its ttl and passes the lock on', async () => {
    const locks = createMemoryLocks();
    const key = randomUUID();
    let reason: unknown;
    const slow = locks.withLock(key, { ttlMs: 200 }, async (signal) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      reason = signal.reason;
      // The lock is already gone: the next holder runs although this one has not returned.
      return locks.withLock(key, { ttlMs: 200, retryCount: 0 }, async () => 'taken over');
    });
    await expect(slow).resolves.toBe('taken over');
    expect(reason).toBeInstanceOf(LockExpiredError);
  });

  it('gives up waiting after retryCount * retryDelayMs', async () => {
    const locks = createMemoryLocks();
    const key = randomUUID();
    const release = deferred();
    const held = deferred();
    const holder = locks.withLock(key, { ttlMs: 5_000 }, async () => {
      held.resolve();
      await release.promise;
    });
    await held.promise;
    await expect(
      locks.withLock(key, { ttlMs: 5_000, retryCount: 3, retryDelayMs: 10 }, async () => 1),
    ).rejects.toBeInstanceOf(LockUnavailableError);
    release.resolve();
    await holder;
  });
});

describe('redis locks (Redis specifics)', () => {
  it('keeps extending the lock while a holder works past its ttl', async () => {
    const [first, second] = await Promise.all([connectTestRedis(), connectTestRedis()]);
    connections.push(first, second);
    const locks = await createRedisLocks(first, { prefix });
    const peer = await createRedisLocks(second, { prefix });
    const key = randomUUID();
    // A ttl of 1.5 s is renewed when 500 ms are left: room for a loaded machine's event loop.
    const outcome = await locks.withLock(key, { ttlMs: 1_500 }, async (signal) => {
      await sleep(4_000); // well past the ttl: only auto-extension keeps the lock
      const stolen = await peer
        .withLock(key, { ttlMs: 1_500, retryCount: 0 }, async () => true)
        .catch((error: unknown) =>
          error instanceof LockUnavailableError ? false : Promise.reject(error),
        );
      return { stolen, aborted: signal.aborted };
    });
    expect(outcome).toEqual({ stolen: false, aborted: false });
  });
});
