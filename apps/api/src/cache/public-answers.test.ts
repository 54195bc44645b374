import { randomUUID } from 'node:crypto';
import { createMemoryCache, createMemoryPubSub } from '@evently/platform';
import { describe, expect, it } from 'vitest';
import { captureLog } from '../../test/capture-log.js';
import type { PublicAnswerRule } from '../kernel/public-answer.js';
import { createPublicAnswers } from './public-answers.js';
import { createVersionedCache } from './versioned-cache.js';

// The store behind kept answers, on a real versioned cache (in-process ports): what makes an
// answer stop being served — its scope written, its age, a clock set back, the byte bound.
describe('public answers', () => {
  function setUp(options: { maxBytes?: number; maxAgeMs?: number } = {}) {
    const cache = createVersionedCache({
      cache: createMemoryCache({ max: 1_000 }),
      pubsub: createMemoryPubSub(),
      log: captureLog().log,
    });
    let nowMs = 1_000_000;
    const rule: PublicAnswerRule = {
      path: 'events.get',
      scopes: (input) =>
        typeof input === 'object' && input !== null && 'id' in input
          ? [`event:${String(input.id)}`]
          : undefined,
      generations: cache,
    };
    const answers = createPublicAnswers({
      rules: [rule],
      now: () => new Date(nowMs),
      ...options,
      maxAgeMs: options.maxAgeMs ?? 1_000,
    });
    /** Reads the scope once so it has a generation, as the procedure's own read would. */
    const warm = (id: string) => cache.read(`event:${id}`, 'event', async () => ({ id }));
    const keep = async (key: string, id: string, body: string) => {
      await warm(id);
      const keeper = await answers.prepare(key, [{ path: 'events.get', input: { id } }]);
      keeper?.keep(body);
      return keeper !== undefined;
    };
    return {
      cache,
      answers,
      keep,
      move: (ms: number) => {
        nowMs += ms;
      },
    };
  }

  it('serves an answer until its scope is written', async () => {
    const { cache, answers, keep } = setUp();
    const id = randomUUID();
    expect(await keep('k', id, '{"v":1}')).toBe(true);
    expect(await answers.find('k')).toBe('{"v":1}');
    await cache.invalidate(`event:${id}`);
    expect(await answers.find('k')).toBeUndefined();
  });

  it('serves an answer for less than maxAgeMs by the clock, and not after the clock is set back', async () => {
    const { answers, keep, move } = setUp();
    await keep('k', randomUUID(), 'body');
    move(999);
    expect(await answers.find('k')).toBe('body');
    move(1);
    expect(await answers.find('k')).toBeUndefined();

    await keep('k2', randomUUID(), 'body');
    move(-1);
    expect(await answers.find('k2')).toBeUndefined();
  });

  it('keeps nothing for a call no rule covers, or whose scope has no generation yet', async () => {
    const { answers } = setUp();
    expect(await answers.prepare('x', [{ path: 'events.list', input: {} }])).toBeUndefined();
    expect(answers.covers('events.list')).toBe(false);
    const cold = await answers.prepare('y', [{ path: 'events.get', input: { id: randomUUID() } }]);
    expect(cold).toBeUndefined();
  });

  it('keeps nothing and covers nothing with PUBLIC_READ_MAX_AGE_MS 0', async () => {
    const { answers, keep } = setUp({ maxAgeMs: 0 });
    expect(answers.covers('events.get')).toBe(false);
    expect(await keep('k', randomUUID(), 'body')).toBe(false);
    expect(await answers.find('k')).toBeUndefined();
  });

  it('bounds what it keeps in bytes, dropping the least recently used', async () => {
    const { answers, keep } = setUp({ maxBytes: 3 * (1_000 + 1 + 256) });
    const body = 'x'.repeat(1_000);
    for (const key of ['a', 'b', 'c', 'd']) await keep(key, randomUUID(), body);
    expect(await answers.find('a')).toBeUndefined();
    for (const key of ['b', 'c', 'd']) expect(await answers.find(key)).toBe(body);
    expect(answers.stats().entries).toBe(3);
  });
});
