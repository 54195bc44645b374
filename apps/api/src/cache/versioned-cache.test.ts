import { randomUUID } from 'node:crypto';
import {
  type CachePort,
  createMemoryCache,
  createMemoryPubSub,
  createRedisCache,
  createRedisPubSub,
  type PubSubPort,
  waitForRedis,
} from '@evently/platform';
import {
  connectTestRedis,
  deferred,
  deleteKeysByPrefix,
  type RedisServer,
  startRedisServer,
  TEST_REDIS_URL,
  testPrefix,
} from '@evently/platform/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../../test/capture-log.js';
import { createVersionedCache, type VersionedCache } from './versioned-cache.js';

type Redis = Awaited<ReturnType<typeof connectTestRedis>>;

/** What one API instance gets from its platform. */
interface InstancePorts {
  cache: CachePort;
  pubsub: PubSubPort;
}

interface Backend {
  name: string;
  /** Ports for one more instance: in Redis, its own connections; in memory, the shared ports. */
  ports(): Promise<InstancePorts>;
  cleanup(): Promise<void>;
}

function redisBackend(url: string, prefix: string): Backend & { connections: Redis[] } {
  const connections: Redis[] = [];
  const pubsubs: PubSubPort[] = [];
  return {
    name: 'redis',
    connections,
    async ports() {
      const redis = await connectTestRedis('command', url);
      connections.push(redis);
      const pubsub = await createRedisPubSub(url, { prefix });
      pubsubs.push(pubsub);
      return { cache: await createRedisCache(redis, { prefix }), pubsub };
    },
    async cleanup() {
      await Promise.all(pubsubs.map((pubsub) => pubsub.close()));
      const [first] = connections;
      if (first?.status === 'ready') await deleteKeysByPrefix(first, prefix);
      for (const redis of connections) redis.disconnect();
    },
  };
}

function memoryBackend(): Backend {
  // One process: every "instance" shares the in-process cache and pub/sub, with its own L1.
  const shared = { cache: createMemoryCache({ max: 10_000 }), pubsub: createMemoryPubSub() };
  return {
    name: 'memory',
    ports: async () => shared,
    async cleanup() {
      await shared.cache.close();
      await shared.pubsub.close();
    },
  };
}

/** A source of truth and a loader counting its calls. */
function source<T>(initial: T) {
  const state = { value: initial, loads: 0 };
  return {
    state,
    load: async (): Promise<T> => {
      state.loads += 1;
      return structuredClone(state.value);
    },
  };
}

/** A pub/sub whose received messages wait in `held` until the test delivers them. */
function holdingPubSub(inner: PubSubPort, held: Array<() => void>): PubSubPort {
  return {
    publish: (channel, message) => inner.publish(channel, message),
    subscribe: (channel, handler) =>
      inner.subscribe(channel, (message) => void held.push(() => handler(message))),
    close: () => inner.close(),
  };
}

const backends: Array<{ name: string; make: () => Backend }> = [
  { name: 'memory', make: memoryBackend },
  { name: 'redis', make: () => redisBackend(TEST_REDIS_URL, testPrefix()) },
];

describe.each(backends)('versioned cache over $name ports', ({ make }) => {
  let backend: Backend;
  let open: VersionedCache[] = [];

  /** One more API instance with its own L1, subscribed to invalidations. */
  async function instance(
    options: { l1Max?: number; pubsub?: PubSubPort | undefined } = {},
  ): Promise<VersionedCache & { lines: () => Record<string, unknown>[] }> {
    const { log, lines } = captureLog();
    const ports = await backend.ports();
    const cache = createVersionedCache({
      cache: ports.cache,
      pubsub: options.pubsub ?? ports.pubsub,
      log,
      ...(options.l1Max !== undefined && { l1Max: options.l1Max }),
    });
    await cache.start();
    open.push(cache);
    return Object.assign(cache, { lines });
  }

  beforeAll(() => {
    backend = make();
  });
  afterEach(async () => {
    await Promise.all(open.map((cache) => cache.close()));
    open = [];
  });
  afterAll(async () => {
    await backend.cleanup();
  });

  it('reads through: one load for repeated reads, shared with another instance through L2', async () => {
    const [a, b] = [await instance(), await instance()];
    const scope = `event:${randomUUID()}`;
    const event = source({ title: 'Launch', seats: 100 });

    for (let i = 0; i < 3; i += 1) {
      expect(await a.read(scope, 'get', event.load)).toEqual({ title: 'Launch', seats: 100 });
    }
    expect(event.state.loads).toBe(1);
    expect(a.stats()).toMatchObject({ loads: 1, l1Hits: 2 });

    expect(await b.read(scope, 'get', event.load)).toEqual({ title: 'Launch', seats: 100 });
    expect(event.state.loads).toBe(1);
    expect(b.stats()).toMatchObject({ loads: 0, l2Hits: 1 });
  });

  it('keeps keys and scopes apart', async () => {
    const a = await instance();
    const [one, two] = [`events:${randomUUID()}`, `events:${randomUUID()}`];
    const loads: string[] = [];
    const loader = (label: string) => async () => {
      loads.push(label);
      return { label };
    };

    expect(await a.read(one, 'page-1', loader('one/page-1'))).toEqual({ label: 'one/page-1' });
    expect(await a.read(one, 'page-2', loader('one/page-2'))).toEqual({ label: 'one/page-2' });
    expect(await a.read(two, 'page-1', loader('two/page-1'))).toEqual({ label: 'two/page-1' });
    // A scope ending like another's key prefix must not collide either.
    expect(await a.read(`${one}:page`, '-1', loader('other'))).toEqual({ label: 'other' });
    expect(loads).toEqual(['one/page-1', 'one/page-2', 'two/page-1', 'other']);

    await a.invalidate(one);
    expect(await a.read(one, 'page-1', loader('one/page-1 again'))).toEqual({
      label: 'one/page-1 again',
    });
    expect(await a.read(two, 'page-1', loader('two/page-1 again'))).toEqual({
      label: 'two/page-1',
    });
    expect(loads).toEqual(['one/page-1', 'one/page-2', 'two/page-1', 'other', 'one/page-1 again']);
  });

  it('concurrent reads of one key share one load', async () => {
    const a = await instance();
    const scope = `event:${randomUUID()}`;
    const gate = deferred();
    let loads = 0;
    const load = async () => {
      loads += 1;
      await gate.promise;
      return { seats: 5 };
    };
    const reads = Array.from({ length: 20 }, () => a.read(scope, 'get', load));
    await expect.poll(() => loads).toBe(1);
    gate.resolve();
    const values = await Promise.all(reads);
    expect(values).toEqual(Array.from({ length: 20 }, () => ({ seats: 5 })));
    expect(loads).toBe(1);
    // Each caller got its own copy.
    expect(new Set(values).size).toBe(20);
  });

  it.each([{ delivery: 'as they come' }, { delivery: 'held back until the end' }])(
    '200 times: a value read through B and invalidated through A is never served stale by B (pub/sub messages $delivery)',
    async ({ delivery }) => {
      const a = await instance();
      // Held back: B's in-process entries are never dropped early, only generations protect it.
      const held: Array<() => void> = [];
      const b = await instance({
        pubsub:
          delivery === 'as they come'
            ? undefined
            : holdingPubSub((await backend.ports()).pubsub, held),
      });
      const scope = `event:${randomUUID()}`;
      const event = source({ version: 0 });
      expect(await b.read(scope, 'get', event.load)).toEqual({ version: 0 });

      for (let version = 1; version <= 200; version += 1) {
        // B serves the current value from its cache...
        expect(await b.read(scope, 'get', event.load)).toEqual({ version: version - 1 });
        // ...a write commits and its invalidation returns on A...
        event.state.value = { version };
        await a.invalidate(scope);
        // ...and B's very next read sees it (no wait for the pub/sub message).
        expect(await b.read(scope, 'get', event.load)).toEqual({ version });
      }
      // Between writes B answered from its cache (L1, or L2 when the pub/sub message of the
      // previous write dropped its L1 entry after the refill): the test did exercise the cache.
      const stats = b.stats();
      expect(stats.l1Hits + stats.l2Hits).toBe(200);
      if (delivery !== 'as they come') expect(stats.l1Hits).toBe(200);
      expect(stats.loads).toBe(201);
      for (const deliver of held) deliver();
    },
  );

  it('a load that resolves after an invalidation is not served afterwards', async () => {
    const [a, b] = [await instance(), await instance()];
    const scope = `event:${randomUUID()}`;
    let truth = 'old';
    const gate = deferred();
    let slowStarted = false;
    const slowLoad = async () => {
      slowStarted = true;
      const seen = truth;
      await gate.promise;
      return { title: seen };
    };
    const load = async () => ({ title: truth });

    const racing = a.read(scope, 'get', slowLoad);
    await expect.poll(() => slowStarted).toBe(true);
    truth = 'new';
    await b.invalidate(scope);
    // A read that starts after the invalidation does not join the older load still in flight.
    let freshLoads = 0;
    const fresh = a.read(scope, 'get', async () => {
      freshLoads += 1;
      return { title: truth };
    });
    await expect.poll(() => freshLoads).toBe(1);
    expect(await fresh).toEqual({ title: 'new' });

    gate.resolve();
    // The racing read began before the write returned: answering the old value is allowed.
    expect(await racing).toEqual({ title: 'old' });
    // But what it stored is stamped with the old generation and never served again.
    expect(await a.read(scope, 'get', load)).toEqual({ title: 'new' });
    expect(await b.read(scope, 'get', load)).toEqual({ title: 'new' });
    const c = await instance();
    expect(await c.read(scope, 'get', load)).toEqual({ title: 'new' });
  });

  it("pub/sub drops the other instance's in-process entries of the invalidated scopes", async () => {
    const [a, b] = [await instance(), await instance()];
    const [hot, cold] = [`event:${randomUUID()}`, `event:${randomUUID()}`];
    const load = async () => ({ any: 'value' });
    await b.read(hot, 'get', load);
    await b.read(hot, 'list', load);
    await b.read(cold, 'get', load);
    await a.read(hot, 'get', load);
    expect(b.stats().l1Entries).toBe(3);
    expect(a.stats().l1Entries).toBe(1);

    await a.invalidate(hot);
    // The invalidating instance drops its own at once...
    expect(a.stats().l1Entries).toBe(0);
    // ...the other when the message arrives, without any read of its own.
    await expect.poll(() => b.stats().l1Entries).toBe(1);
    const hitsBefore = b.stats().l1Hits;
    await b.read(cold, 'get', load);
    expect(b.stats().l1Hits).toBe(hitsBefore + 1);
  });

  it('ignores a malformed invalidation message', async () => {
    const b = await instance();
    const scope = `event:${randomUUID()}`;
    await b.read(scope, 'get', async () => 1);
    const { pubsub } = await backend.ports();
    await pubsub.publish('versioned-cache:invalidate', '{"not":"a list"}');
    await expect
      .poll(() => b.lines().map((line) => line.msg))
      .toContain('ignored a malformed cache invalidation message');
    expect(b.stats().l1Entries).toBe(1);
  });

  it('returns copies: mutating a returned value or the loaded one changes no cached value', async () => {
    const [a, b] = [await instance(), await instance()];
    const scope = `event:${randomUUID()}`;
    const loaded = { title: 'Launch', tags: ['music'], startsAt: new Date(0) };
    const expected = { title: 'Launch', tags: ['music'], startsAt: '1970-01-01T00:00:00.000Z' };

    const first = await a.read(scope, 'get', async () => loaded);
    // The same JSON shape on every path: the load's Date is its ISO string here too.
    expect(first).toEqual(expected);
    first.tags.push('mutated');
    loaded.tags.push('mutated at the source');
    loaded.title = 'changed without a write';

    const second = await a.read(scope, 'get', async () => loaded);
    expect(second).toEqual(expected);
    second.title = 'mutated';
    expect(await a.read(scope, 'get', async () => loaded)).toEqual(expected);
    expect(a.stats()).toMatchObject({ loads: 1, l1Hits: 2 });
    expect(await b.read(scope, 'get', async () => loaded)).toEqual(expected);
    expect(b.stats()).toMatchObject({ loads: 0, l2Hits: 1 });
  });

  it('caches null but not undefined', async () => {
    const a = await instance();
    const scope = `event:${randomUUID()}`;
    let loads = 0;
    const missing = async () => {
      loads += 1;
      return undefined;
    };
    const none = async () => {
      loads += 1;
      return null;
    };
    expect(await a.read(scope, 'undefined', missing)).toBeUndefined();
    expect(await a.read(scope, 'undefined', missing)).toBeUndefined();
    expect(loads).toBe(2);
    expect(await a.read(scope, 'null', none)).toBeNull();
    expect(await a.read(scope, 'null', none)).toBeNull();
    expect(loads).toBe(3);
  });

  it('keeps at most l1Max values in process', async () => {
    const a = await instance({ l1Max: 2 });
    const scope = `events:${randomUUID()}`;
    for (const key of ['1', '2', '3']) await a.read(scope, key, async () => key);
    expect(a.stats().l1Entries).toBe(2);
    await a.invalidate(scope);
    expect(a.stats().l1Entries).toBe(0);
  });
});

// Its own throwaway redis-server, which it kills and restarts empty.
describe('versioned cache when Redis dies', () => {
  let server: RedisServer;
  let backend: ReturnType<typeof redisBackend>;
  const open: VersionedCache[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    backend = redisBackend(server.url, 'vc:');
  });
  afterAll(async () => {
    await Promise.all(open.map((cache) => cache.close()));
    await backend.cleanup();
    await server.kill();
  });

  it('reads from the source while down, invalidate rejects, and an emptied Redis resurrects nothing', async () => {
    const aLog = captureLog();
    const start = async (log = captureLog().log) => {
      const cache = createVersionedCache({ ...(await backend.ports()), log });
      await cache.start();
      open.push(cache);
      return cache;
    };
    const [a, b] = [await start(aLog.log), await start()];
    const scope = 'event:1';
    const event = source({ version: 1 });
    expect(await a.read(scope, 'get', event.load)).toEqual({ version: 1 });
    expect(await b.read(scope, 'get', event.load)).toEqual({ version: 1 });
    expect(event.state.loads).toBe(1);
    // No invalidation so far: the scope's generation is still the one created on the first read.

    await server.kill();
    // A change the instances could not hear about (e.g. a failed invalidation after a commit).
    event.state.value = { version: 2 };
    for (let i = 0; i < 5; i += 1) {
      expect(await a.read(scope, 'get', event.load)).toEqual({ version: 2 });
    }
    expect(event.state.loads).toBe(6);
    expect(a.stats()).toMatchObject({ bypasses: 5 });
    await expect(a.invalidate(scope)).rejects.toThrow();
    // Logged, once for the burst.
    const warnings = aLog.lines().filter((line) => line.msg?.toString().includes('unreachable'));
    expect(warnings).toHaveLength(1);

    event.state.value = { version: 3 };
    await server.restart();
    await Promise.all(backend.connections.map((redis) => waitForRedis(redis)));
    // Both still hold { version: 1 } in L1 under the old generation; the new one never matches.
    expect(await a.read(scope, 'get', event.load)).toEqual({ version: 3 });
    expect(await b.read(scope, 'get', event.load)).toEqual({ version: 3 });
    expect(b.stats().l1Hits).toBe(0);

    // And it caches again.
    const loads = event.state.loads;
    expect(await a.read(scope, 'get', event.load)).toEqual({ version: 3 });
    expect(event.state.loads).toBe(loads);
    await a.invalidate(scope);
  });
});
