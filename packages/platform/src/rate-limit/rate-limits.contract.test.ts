import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../redis/redis-connection.js';
import { sharedRedisCluster, stopSharedRedisCluster } from '../testing/redis-cluster.js';
import { deleteKeysByPrefix } from '../testing/redis-keys.js';
import { connectTestRedis, testPrefix } from '../testing/test-redis.js';
import { createMemoryRateLimits } from './memory-rate-limits.js';
import type { RateLimiterFactory, RateLimitRule } from './rate-limit.port.js';
import { createRedisRateLimits } from './redis-rate-limits.js';

const prefix = testPrefix();
const connections: RedisClient[] = [];
const clusterConnections: RedisClient[] = [];

interface Backend {
  name: string;
  /** `peer` is another API instance's factory (for in-process: the same one). */
  setup(): Promise<{ limits: RateLimiterFactory; peer: RateLimiterFactory }>;
}

const backends: Backend[] = [
  {
    name: 'memory',
    async setup() {
      const limits = createMemoryRateLimits();
      return { limits, peer: limits };
    },
  },
  {
    name: 'redis',
    async setup() {
      const [first, second] = await Promise.all([connectTestRedis(), connectTestRedis()]);
      connections.push(first, second);
      const [limits, peer] = await Promise.all([
        createRedisRateLimits(first, { prefix }),
        createRedisRateLimits(second, { prefix }),
      ]);
      return { limits, peer };
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
      const [limits, peer] = await Promise.all([
        createRedisRateLimits(first, { prefix }),
        createRedisRateLimits(second, { prefix }),
      ]);
      return { limits, peer };
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

function rule(overrides: Partial<RateLimitRule> = {}): RateLimitRule {
  return { name: `login:${randomUUID()}`, points: 3, durationSeconds: 60, ...overrides };
}

describe.each(backends)('$name rate limits (contract)', ({ setup }) => {
  it('allows `points` hits, then blocks with a retry-after within the window', async () => {
    const { limits } = await setup();
    const limiter = limits.create(rule());
    const key = randomUUID();
    await expect(limiter.consume(key)).resolves.toEqual({ allowed: true, remaining: 2 });
    await expect(limiter.consume(key)).resolves.toEqual({ allowed: true, remaining: 1 });
    await expect(limiter.consume(key)).resolves.toEqual({ allowed: true, remaining: 0 });
    const blocked = await limiter.consume(key);
    expect(blocked.allowed).toBe(false);
    if (blocked.allowed) return;
    expect(blocked.retryAfterSeconds).toBeGreaterThan(0);
    expect(blocked.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(Number.isInteger(blocked.retryAfterSeconds)).toBe(true);
  });

  it('counts several points at once', async () => {
    const { limits } = await setup();
    const limiter = limits.create(rule({ points: 5 }));
    const key = randomUUID();
    await expect(limiter.consume(key, 4)).resolves.toEqual({ allowed: true, remaining: 1 });
    await expect(limiter.consume(key, 2)).resolves.toMatchObject({ allowed: false });
  });

  it('counts each key on its own', async () => {
    const { limits } = await setup();
    const limiter = limits.create(rule({ points: 1 }));
    const [spent, fresh] = [randomUUID(), randomUUID()];
    await limiter.consume(spent);
    await expect(limiter.consume(spent)).resolves.toMatchObject({ allowed: false });
    await expect(limiter.consume(fresh)).resolves.toEqual({ allowed: true, remaining: 0 });
  });

  it('starts a key afresh after reset', async () => {
    const { limits } = await setup();
    const limiter = limits.create(rule({ points: 2 }));
    const key = randomUUID();
    await limiter.consume(key);
    await limiter.consume(key);
    await expect(limiter.consume(key)).resolves.toMatchObject({ allowed: false });
    await limiter.reset(key);
    await expect(limiter.consume(key)).resolves.toEqual({ allowed: true, remaining: 1 });
  });

  it('peeks without consuming: allowed while points remain, refused once they are spent', async () => {
    const { limits } = await setup();
    const limiter = limits.create(rule({ points: 2 }));
    const key = randomUUID();
    await expect(limiter.peek(key)).resolves.toEqual({ allowed: true, remaining: 2 });
    await limiter.consume(key);
    await expect(limiter.peek(key)).resolves.toEqual({ allowed: true, remaining: 1 });
    await expect(limiter.peek(key)).resolves.toEqual({ allowed: true, remaining: 1 });
    await limiter.consume(key);
    await expect(limiter.peek(key)).resolves.toMatchObject({ allowed: false });
  });

  it('gives refunded points back within the window', async () => {
    const { limits } = await setup();
    const limiter = limits.create(rule({ points: 2 }));
    const key = randomUUID();
    await limiter.consume(key);
    await limiter.consume(key);
    await limiter.refund(key);
    await expect(limiter.consume(key)).resolves.toEqual({ allowed: true, remaining: 0 });
    await expect(limiter.consume(key)).resolves.toMatchObject({ allowed: false });
  });

  it('keeps limiters with different names apart', async () => {
    const { limits } = await setup();
    const byIp = limits.create(rule({ points: 1 }));
    const byEmail = limits.create(rule({ points: 1 }));
    const key = randomUUID();
    await byIp.consume(key);
    await expect(byIp.consume(key)).resolves.toMatchObject({ allowed: false });
    await expect(byEmail.consume(key)).resolves.toEqual({ allowed: true, remaining: 0 });
  });

  it('shares one count between instances', async () => {
    const { limits, peer } = await setup();
    const shared = rule({ points: 3 });
    const key = randomUUID();
    await limits.create(shared).consume(key);
    await peer.create(shared).consume(key);
    await limits.create(shared).consume(key);
    await expect(peer.create(shared).consume(key)).resolves.toMatchObject({ allowed: false });
  });

  it('allows again once the window has passed', async () => {
    const { limits } = await setup();
    // A 2 s window: the second call lands in it even when a loaded machine stalls a second.
    const limiter = limits.create(rule({ points: 1, durationSeconds: 2 }));
    const key = randomUUID();
    await limiter.consume(key);
    const refused = await limiter.consume(key);
    expect(refused).toMatchObject({ allowed: false });
    if (refused.allowed) return;
    // Whole seconds, rounded up: never 0, never past the window.
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(2);
    await expect
      .poll(() => limiter.consume(key), { timeout: 15_000, interval: 100 })
      .toMatchObject({ allowed: true });
  });

  it('blocks for blockSeconds once exceeded', async () => {
    const { limits } = await setup();
    // The window outlives a stalled second call; the block is what is measured.
    const limiter = limits.create(rule({ points: 1, durationSeconds: 10, blockSeconds: 30 }));
    const key = randomUUID();
    await limiter.consume(key);
    const blocked = await limiter.consume(key);
    expect(blocked).toMatchObject({ allowed: false });
    if (blocked.allowed) return;
    // Longer than what is left of the window: the block.
    expect(blocked.retryAfterSeconds).toBeGreaterThan(10);
    expect(blocked.retryAfterSeconds).toBeLessThanOrEqual(30);
  });

  it('returns the same limiter for the same rule and refuses a conflicting one', async () => {
    const { limits } = await setup();
    const first = rule();
    expect(limits.create({ ...first })).toBe(limits.create({ ...first }));
    expect(() => limits.create({ ...first, points: 99 })).toThrow(/already defined/);
    expect(() => limits.create({ ...first, name: '' })).toThrow();
  });
});
