import { randomUUID } from 'node:crypto';
import { deferred } from '@evently/platform/testing';
import { describe, expect, it } from 'vitest';
import { backends, source, useCacheInstances } from '../../test/versioned-cache.fixtures.js';

/** Polls wait in seconds, not vitest's default 1 s: the machine running them may be loaded. */
const POLL_TIMEOUT_MS = 15_000;

// Reading through the versioned cache: one load per value, shared between instances through L2,
// each caller with its own copy, within the in-process bound — over memory and Redis ports.
describe.each(backends)('versioned cache reads over $name ports', ({ make }) => {
  const { instance } = useCacheInstances(make);

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
    await expect.poll(() => loads, { timeout: POLL_TIMEOUT_MS }).toBe(1);
    gate.resolve();
    const values = await Promise.all(reads);
    expect(values).toEqual(Array.from({ length: 20 }, () => ({ seats: 5 })));
    expect(loads).toBe(1);
    // Each caller got its own copy.
    expect(new Set(values).size).toBe(20);
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
