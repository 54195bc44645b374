import { randomUUID } from 'node:crypto';
import type { PubSubPort } from '@evently/platform';
import { describe, expect, it, vi } from 'vitest';
import { backends, source, useCacheInstances } from '../../test/versioned-cache.fixtures.js';

/** A clock the test moves; its sleeps resolve when the test lets them. */
function testClock() {
  let now = 0;
  const sleeps: Array<{ ms: number; wake: () => void }> = [];
  return {
    clock: {
      now: () => now,
      sleep: (ms: number) => new Promise<void>((wake) => void sleeps.push({ ms, wake })),
    },
    advance(ms: number) {
      now += ms;
    },
    sleeps,
  };
}

/** A pub/sub that never delivers: only generations and the trust window protect the readers. */
function deafPubSub(inner: PubSubPort): PubSubPort {
  return {
    publish: (channel, message) => inner.publish(channel, message),
    subscribe: async () => async () => {},
    close: () => inner.close(),
  };
}

// The trust window: a generation read from the port serves the reads of `trustMs` that follow,
// and an invalidation resolves only once every other instance's trust in the old one has run out.
describe.each(backends)('versioned cache trust window over $name ports', ({ make }) => {
  const { instance, ports } = useCacheInstances(make);

  it('reads the generation once per window, and again once the window has passed', async () => {
    const time = testClock();
    const cache = await instance({ trustMs: 50, clock: time.clock });
    const scope = `event:${randomUUID()}`;
    const event = source({ version: 0 });
    await cache.read(scope, 'get', event.load);
    const asked = cache.stats().generationReads;
    for (let i = 0; i < 20; i++) {
      expect(await cache.read(scope, 'get', event.load)).toEqual({ version: 0 });
      time.advance(2);
    }
    // 40 ms of reads inside the window: not one more question to the port.
    expect(cache.stats().generationReads).toBe(asked);
    time.advance(10);
    await cache.read(scope, 'get', event.load);
    expect(cache.stats().generationReads).toBe(asked + 1);
    expect(event.state.loads).toBe(1);
  });

  it('resolves an invalidation only after the window, having retired the value at once', async () => {
    const time = testClock();
    const cache = await instance({ trustMs: 50, clock: time.clock });
    const scope = `event:${randomUUID()}`;
    const event = source({ version: 0 });
    await cache.read(scope, 'get', event.load);
    event.state.value = { version: 1 };
    let resolved = false;
    const invalidation = cache.invalidate(scope).then(() => {
      resolved = true;
    });
    // The sets go to the port first (slow on a loaded machine): wait for the wait to begin.
    await vi.waitFor(() => expect(time.sleeps).toHaveLength(1), {
      timeout: 15_000,
      interval: 10,
    });
    expect(time.sleeps.map((s) => s.ms)).toEqual([50]);
    expect(resolved).toBe(false);
    // The writer's own instance reads the new value while the writer still waits.
    expect(await cache.read(scope, 'get', event.load)).toEqual({ version: 1 });
    time.sleeps[0]?.wake();
    await invalidation;
    expect(resolved).toBe(true);
  });

  it('100 times: once A has invalidated, B never serves the old value, though B trusts what it read', async () => {
    const a = await instance({ trustMs: 25 });
    // B hears no invalidation messages: its in-process entries stay until a generation says no.
    const b = await instance({ trustMs: 25, pubsub: deafPubSub((await ports()).pubsub) });
    const scope = `event:${randomUUID()}`;
    const event = source({ version: 0 });
    expect(await b.read(scope, 'get', event.load)).toEqual({ version: 0 });
    let reads = 1;
    for (let version = 1; version <= 100; version += 1) {
      // B serves the current value, twice (the second inside its trust window)...
      expect(await b.read(scope, 'get', event.load)).toEqual({ version: version - 1 });
      expect(await b.read(scope, 'get', event.load)).toEqual({ version: version - 1 });
      reads += 2;
      // ...a write commits and its invalidation returns on A...
      event.state.value = { version };
      await a.invalidate(scope);
      // ...and B's very next read sees it.
      expect(await b.read(scope, 'get', event.load)).toEqual({ version });
      reads += 1;
    }
    // B did trust: fewer generation reads than reads (each write costs B one, at least).
    expect(b.stats().generationReads).toBeLessThan(reads);
    expect(b.stats().generationReads).toBeGreaterThanOrEqual(100);
  });
});
