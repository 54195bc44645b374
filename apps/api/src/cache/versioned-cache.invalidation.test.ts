import { randomUUID } from 'node:crypto';
import type { PubSubPort } from '@evently/platform';
import { deferred } from '@evently/platform/testing';
import { describe, expect, it } from 'vitest';
import { backends, source, useCacheInstances } from '../../test/versioned-cache.fixtures.js';

/** Polls wait in seconds, not vitest's default 1 s: the machine running them may be loaded. */
const POLL_TIMEOUT_MS = 15_000;

/** A pub/sub whose received messages wait in `held` until the test delivers them. */
function holdingPubSub(inner: PubSubPort, held: Array<() => void>): PubSubPort {
  return {
    publish: (channel, message) => inner.publish(channel, message),
    subscribe: (channel, handler) =>
      inner.subscribe(channel, (message) => void held.push(() => handler(message))),
    close: () => inner.close(),
  };
}

// Invalidation across instances: a value invalidated through one instance is never served stale
// by another, whenever its pub/sub message arrives — over memory and Redis ports.
describe.each(backends)('versioned cache invalidation over $name ports', ({ make }) => {
  const { instance, ports } = useCacheInstances(make);

  it.each([{ delivery: 'as they come' }, { delivery: 'held back until the end' }])(
    '200 times: a value read through B and invalidated through A is never served stale by B (pub/sub messages $delivery)',
    async ({ delivery }) => {
      const a = await instance();
      // Held back: B's in-process entries are never dropped early, only generations protect it.
      const held: Array<() => void> = [];
      const b = await instance({
        pubsub:
          delivery === 'as they come' ? undefined : holdingPubSub((await ports()).pubsub, held),
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
    await expect.poll(() => slowStarted, { timeout: POLL_TIMEOUT_MS }).toBe(true);
    truth = 'new';
    await b.invalidate(scope);
    // A read that starts after the invalidation does not join the older load still in flight.
    let freshLoads = 0;
    const fresh = a.read(scope, 'get', async () => {
      freshLoads += 1;
      return { title: truth };
    });
    await expect.poll(() => freshLoads, { timeout: POLL_TIMEOUT_MS }).toBe(1);
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
    await expect.poll(() => b.stats().l1Entries, { timeout: POLL_TIMEOUT_MS }).toBe(1);
    const hitsBefore = b.stats().l1Hits;
    await b.read(cold, 'get', load);
    expect(b.stats().l1Hits).toBe(hitsBefore + 1);
  });

  it('ignores a malformed invalidation message', async () => {
    const b = await instance();
    const scope = `event:${randomUUID()}`;
    await b.read(scope, 'get', async () => 1);
    const { pubsub } = await ports();
    await pubsub.publish('versioned-cache:invalidate', '{"not":"a list"}');
    await expect
      .poll(() => b.lines().map((line) => line.msg), { timeout: POLL_TIMEOUT_MS })
      .toContain('ignored a malformed cache invalidation message');
    expect(b.stats().l1Entries).toBe(1);
  });
});
