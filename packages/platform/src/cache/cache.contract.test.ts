import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../redis/redis-connection.js';
import { sharedRedisCluster, stopSharedRedisCluster } from '../testing/redis-cluster.js';
import { deleteKeysByPrefix } from '../testing/redis-keys.js';
import { connectTestRedis, testPrefix } from '../testing/test-redis.js';
import type { CachePort } from './cache.port.js';
import { createMemoryCache } from './memory-cache.js';
import { createRedisCache } from './redis-cache.js';

/**
 * A ttl that outlives the calls right after the write on a loaded machine (a 100 ms one did not
 * always), yet runs out within the test.
 */
const SHORT_TTL_MS = 2_000;

const prefix = testPrefix();
let redis: RedisClient | undefined;
let clusterRedis: RedisClient | undefined;

interface Backend {
  name: string;
  create(): Promise<CachePort>;
}

const backends: Backend[] = [
  { name: 'memory', create: async () => createMemoryCache({ max: 100 }) },
  {
    name: 'redis',
    async create() {
      redis = await connectTestRedis();
      return createRedisCache(redis, { prefix });
    },
  },
  {
    name: 'redis cluster',
    async create() {
      clusterRedis = await connectTestRedis('command', (await sharedRedisCluster()).url);
      return createRedisCache(clusterRedis, { prefix });
    },
  },
];

afterAll(async () => {
  clusterRedis?.disconnect();
  await stopSharedRedisCluster();
  if (!redis) return;
  await deleteKeysByPrefix(redis, prefix);
  await redis.quit();
});

describe.each(backends)('$name cache (contract)', ({ create }) => {
  let cache: CachePort;

  beforeAll(async () => {
    cache = await create();
  });
  afterAll(async () => {
    await cache.close();
  });

  it('returns what was set', async () => {
    const key = randomUUID();
    const value = {
      id: key,
      title: 'Launch',
      seats: [1, 2],
      price: { cents: 1999 },
      draft: false,
      note: null,
    };
    await cache.set(key, value, 60_000);
    await expect(cache.get(key)).resolves.toEqual(value);
  });

  it('keeps plain JSON scalars too', async () => {
    const key = randomUUID();
    await cache.set(key, 0, 60_000);
    await expect(cache.get<number>(key)).resolves.toBe(0);
    await cache.set(key, 'text', 60_000);
    await expect(cache.get<string>(key)).resolves.toBe('text');
  });

  it('answers undefined for a missing key', async () => {
    await expect(cache.get(randomUUID())).resolves.toBeUndefined();
  });

  it('forgets an entry after its ttl', async () => {
    const key = randomUUID();
    const other = randomUUID();
    await cache.set(key, 'short-lived', SHORT_TTL_MS);
    await cache.set(other, 'long-lived', 60_000);
    await expect(cache.get(key)).resolves.toBe('short-lived');
    await expect.poll(() => cache.get(key), { timeout: 15_000, interval: 25 }).toBeUndefined();
    await expect(cache.get(other)).resolves.toBe('long-lived');
  });

  it('deletes several keys at once and leaves the others', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await Promise.all([a, b, c].map((key) => cache.set(key, key, 60_000)));
    await cache.del(a, b, randomUUID());
    await expect(cache.get(a)).resolves.toBeUndefined();
    await expect(cache.get(b)).resolves.toBeUndefined();
    await expect(cache.get(c)).resolves.toBe(c);
    await expect(cache.del()).resolves.toBeUndefined();
  });

  it('stores copies: mutating the stored or the returned value changes nothing', async () => {
    const key = randomUUID();
    const value = { seats: [1, 2] };
    await cache.set(key, value, 60_000);
    value.seats.push(3);
    const first = await cache.get<{ seats: number[] }>(key);
    expect(first).toEqual({ seats: [1, 2] });
    first?.seats.push(4);
    await expect(cache.get(key)).resolves.toEqual({ seats: [1, 2] });
  });

  it('overwrites an entry and its ttl', async () => {
    const key = randomUUID();
    await cache.set(key, 'first', 100);
    await cache.set(key, 'second', 60_000);
    await expect(cache.get(key)).resolves.toBe('second');
  });

  it('add() stores only into an absent key (expired counts as absent), once among racers', async () => {
    const key = randomUUID();
    await expect(cache.add(key, 'first', SHORT_TTL_MS)).resolves.toBe(true);
    await expect(cache.add(key, 'second', 60_000)).resolves.toBe(false);
    await expect(cache.get(key)).resolves.toBe('first');
    await expect.poll(() => cache.get(key), { timeout: 15_000, interval: 25 }).toBeUndefined();
    await expect(cache.add(key, 'third', 60_000)).resolves.toBe(true);
    await expect(cache.get(key)).resolves.toBe('third');
    const raced = randomUUID();
    const wins = await Promise.all(
      Array.from({ length: 10 }, (_, i) => cache.add(raced, i, 60_000)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    await expect(cache.add(randomUUID(), undefined, 1_000)).rejects.toThrow(TypeError);
  });

  it('rejects values that are not JSON and ttls that are not positive integers', async () => {
    await expect(cache.set(randomUUID(), undefined, 1_000)).rejects.toThrow(TypeError);
    await expect(cache.set(randomUUID(), 'x', 0)).rejects.toThrow();
    await expect(cache.set(randomUUID(), 'x', 1.5)).rejects.toThrow();
  });
});

describe('memory cache (in-process specifics)', () => {
  it('evicts the least recently used entry beyond max', async () => {
    const cache = createMemoryCache({ max: 2 });
    await cache.set('a', 1, 60_000);
    await cache.set('b', 2, 60_000);
    await cache.get('a');
    await cache.set('c', 3, 60_000);
    await expect(cache.get('b')).resolves.toBeUndefined();
    await expect(cache.get('a')).resolves.toBe(1);
    await expect(cache.get('c')).resolves.toBe(3);
  });
});
