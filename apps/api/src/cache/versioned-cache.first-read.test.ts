import { randomUUID } from 'node:crypto';
import { createRedisCache, createRedisPubSub, type PubSubPort } from '@evently/platform';
import {
  connectTestRedis,
  deleteKeysByPrefix,
  TEST_REDIS_URL,
  testPrefix,
} from '@evently/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../../test/capture-log.js';
import { createVersionedCache, unkept, type VersionedCache } from './versioned-cache.js';

// A scope's first read, on real Redis: what it leaves behind, and a write racing it.

describe('versioned cache: the first read of a scope', () => {
  const prefix = testPrefix();
  let redis: Awaited<ReturnType<typeof connectTestRedis>>;
  let pubsub: PubSubPort;
  let cache: VersionedCache;

  beforeAll(async () => {
    redis = await connectTestRedis('command');
    pubsub = await createRedisPubSub(TEST_REDIS_URL, { prefix });
    cache = createVersionedCache({
      cache: await createRedisCache(redis, { prefix }),
      pubsub,
      log: captureLog().log,
    });
  });
  afterAll(async () => {
    await cache?.close();
    await pubsub?.close();
    await deleteKeysByPrefix(redis, prefix);
    redis.disconnect();
  });

  const keys = () => redis.keys(`${prefix}*`);

  it('writes nothing when the load finds nothing, however many ids are read', async () => {
    for (let i = 0; i < 50; i += 1) {
      const scope = `event:${randomUUID()}`;
      await expect(cache.read(scope, 'event', async () => undefined)).resolves.toBeUndefined();
    }
    expect(await keys()).toEqual([]);
    expect(cache.stats().l1Entries).toBe(0);
  });

  it('keeps a found value under a new generation, and reads it back without loading', async () => {
    const scope = `event:${randomUUID()}`;
    let loads = 0;
    const load = async () => {
      loads += 1;
      return { title: 'Launch' };
    };
    expect(await cache.read(scope, 'event', load)).toEqual({ title: 'Launch' });
    expect(await cache.read(scope, 'event', load)).toEqual({ title: 'Launch' });
    expect(loads).toBe(1);
    expect((await keys()).filter((key) => key.includes(scope)).length).toBe(2); // gen + val
  });

  it('does not keep what it loaded when a write set the generation meanwhile', async () => {
    const scope = `event:${randomUUID()}`;
    let truth = 'old';
    // The write lands between this read's generation GET (none) and its SET NX.
    const first = await cache.read(scope, 'event', async () => {
      const seen = truth;
      truth = 'new';
      await cache.invalidate(scope);
      return seen;
    });
    expect(first).toBe('old');
    expect(await cache.read(scope, 'event', async () => truth)).toBe('new');
  });

  it('returns an unkept value without keeping it, with or without a generation', async () => {
    const scope = `events:list:${randomUUID()}`;
    let truth = 'lagging';
    let loads = 0;
    // What a list read from a replica that has not replayed the latest write returns.
    const load = async () => {
      loads += 1;
      return truth === 'lagging' ? unkept(truth) : truth;
    };
    // No generation yet: none is made for it.
    expect(await cache.read(scope, 'page', load)).toBe('lagging');
    expect((await keys()).filter((key) => key.includes(scope))).toEqual([]);
    // Under a generation (a write set one): still nothing kept, so the next read loads again.
    await cache.invalidate(scope);
    expect(await cache.read(scope, 'page', load)).toBe('lagging');
    truth = 'caught up';
    expect(await cache.read(scope, 'page', load)).toBe('caught up');
    expect(await cache.read(scope, 'page', load)).toBe('caught up');
    expect(loads).toBe(3);
    expect(cache.stats().unkept).toBe(2);
  });
});
