import { waitForRedis } from '@evently/platform';
import { type RedisServer, startRedisServer } from '@evently/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../../test/capture-log.js';
import { redisBackend, source } from '../../test/versioned-cache.fixtures.js';
import { createVersionedCache, type VersionedCache } from './versioned-cache.js';

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
