import {
  type CachePort,
  createMemoryCache,
  createMemoryPubSub,
  createRedisCache,
  createRedisPubSub,
  type PubSubPort,
} from '@evently/platform';
import {
  connectTestRedis,
  deleteKeysByPrefix,
  sharedRedisCluster,
  stopSharedRedisCluster,
  TEST_REDIS_URL,
  testPrefix,
} from '@evently/platform/testing';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  createVersionedCache,
  type VersionedCache,
  type VersionedCacheOptions,
} from '../src/cache/versioned-cache.js';
import { captureLog } from './capture-log.js';

type Redis = Awaited<ReturnType<typeof connectTestRedis>>;

/** What one API instance gets from its platform. */
export interface InstancePorts {
  cache: CachePort;
  pubsub: PubSubPort;
}

export interface Backend {
  name: string;
  /** Ports for one more instance: in Redis, its own connections; in memory, the shared ports. */
  ports(): Promise<InstancePorts>;
  cleanup(): Promise<void>;
}

export function redisBackend(url: string, prefix: string): Backend & { connections: Redis[] } {
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

/** Redis ports over a throwaway Redis Cluster, started on first use, stopped with the backend. */
function clusterBackend(): Backend {
  let inner: Promise<Backend> | undefined;
  return {
    name: 'redis cluster',
    async ports() {
      inner ??= sharedRedisCluster().then(({ url }) => redisBackend(url, testPrefix()));
      return (await inner).ports();
    },
    async cleanup() {
      // The cluster goes even when the cleanup of its keys fails: no servers left behind.
      try {
        await (await inner)?.cleanup();
      } finally {
        await stopSharedRedisCluster();
      }
    },
  };
}

/** The kinds of ports every versioned-cache behaviour must hold over. */
export const backends: Array<{ name: string; make: () => Backend }> = [
  { name: 'memory', make: memoryBackend },
  { name: 'redis', make: () => redisBackend(TEST_REDIS_URL, testPrefix()) },
  { name: 'redis cluster', make: clusterBackend },
];

/** A source of truth and a loader counting its calls. */
export function source<T>(initial: T) {
  const state = { value: initial, loads: 0 };
  return {
    state,
    load: async (): Promise<T> => {
      state.loads += 1;
      return structuredClone(state.value);
    },
  };
}

/**
 * Registers, in the calling describe, a backend made by `make` and the closing of every cache
 * opened on it after each test; answers a maker of API instances over that backend.
 */
export function useCacheInstances(make: () => Backend) {
  let backend: Backend | undefined;
  let open: VersionedCache[] = [];
  beforeAll(() => {
    backend = make();
  });
  afterEach(async () => {
    await Promise.all(open.map((cache) => cache.close()));
    open = [];
  });
  afterAll(async () => {
    await backend?.cleanup();
  });

  const ports = (): Promise<InstancePorts> => {
    if (!backend) throw new Error('the backend is made in beforeAll');
    return backend.ports();
  };

  /** One more API instance with its own L1, subscribed to invalidations. */
  async function instance(
    options: {
      l1Max?: number;
      pubsub?: PubSubPort | undefined;
      trustMs?: number;
      clock?: VersionedCacheOptions['clock'];
    } = {},
  ): Promise<VersionedCache & { lines: () => Record<string, unknown>[] }> {
    const { log, lines } = captureLog();
    const own = await ports();
    const cache = createVersionedCache({
      cache: own.cache,
      pubsub: options.pubsub ?? own.pubsub,
      log,
      ...(options.l1Max !== undefined && { l1Max: options.l1Max }),
      ...(options.trustMs !== undefined && { trustMs: options.trustMs }),
      ...(options.clock !== undefined && { clock: options.clock }),
    });
    await cache.start();
    open.push(cache);
    return Object.assign(cache, { lines });
  }

  return { instance, ports };
}
