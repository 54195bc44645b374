import { createMemoryRateLimits, type RateLimiterFactory } from '@evently/platform';
import { describe, expect, it } from 'vitest';
import { captureLog } from '../../test/capture-log.js';
import { AppError } from '../kernel/app-error.js';
import { createAnonymousReadLimit } from './anonymous-read-limit.js';

/** The real in-memory counters, with the round trips to them counted (one per consume). */
function countedRateLimits() {
  const inner = createMemoryRateLimits();
  const counted = { roundTrips: 0, consumed: 0 };
  const factory: RateLimiterFactory = {
    create(rule) {
      const limiter = inner.create(rule);
      return {
        ...limiter,
        consume: (key, points = 1) => {
          counted.roundTrips += 1;
          counted.consumed += points;
          return limiter.consume(key, points);
        },
      };
    },
  };
  return { factory, counted };
}

const refusal = (promise: Promise<void>) =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof AppError ? error.appCode : error),
  );

describe('anonymous read limit', () => {
  it('counts per network and refuses past the budget with retryAfterSeconds', async () => {
    const limit = createAnonymousReadLimit({
      rateLimits: createMemoryRateLimits(),
      log: captureLog().log,
      perMinute: 3,
    });
    for (let i = 0; i < 3; i += 1) await limit.hit(`2001:db8::${i + 1}`);
    const refused = await limit.hit('2001:db8::ffff').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ appCode: 'RATE_LIMITED' });
    expect((refused as AppError).details?.retryAfterSeconds).toBeGreaterThan(0);
    await expect(limit.hit('2001:db8:0:1::1')).resolves.toBeUndefined();
    await expect(limit.hit('192.0.2.1')).resolves.toBeUndefined();
  });

  it('lets reads through, with a warning, when the counters are unreachable (reads survive Redis)', async () => {
    const captured = captureLog();
    const unreachable: RateLimiterFactory = {
      create: () => ({
        consume: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
        peek: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
        refund: () => Promise.resolve(),
        reset: () => Promise.resolve(),
      }),
    };
    const limit = createAnonymousReadLimit({ rateLimits: unreachable, log: captured.log });
    await expect(limit.hit('192.0.2.1')).resolves.toBeUndefined();
    expect(captured.lines().map((line) => line.msg)).toEqual([
      'rate limits unreachable; anonymous reads go uncounted',
    ]);
  });

  it('pays for reads ahead in leases: most reads are counted in process, none goes uncounted, and the budget holds to the read', async () => {
    const { factory, counted } = countedRateLimits();
    const perMinute = 1_000;
    const limit = createAnonymousReadLimit({
      rateLimits: factory,
      log: captureLog().log,
      perMinute,
    });
    const ip = '192.0.2.7';
    expect(limit.hitLocally(ip)).toBe(false); // nothing paid for yet
    let reads = 0;
    let local = 0;
    while (reads < perMinute) {
      if (limit.hitLocally(ip)) local += 1;
      else await limit.hit(ip);
      reads += 1;
      // Paid for before it happens: the shared counter is never behind.
      expect(counted.consumed).toBeGreaterThanOrEqual(reads);
    }
    expect(local).toBeGreaterThan(perMinute * 0.8);
    expect(counted.roundTrips).toBeLessThan(perMinute * 0.2);
    // One process spends every lease it takes: refused at exactly the budget, not before.
    expect(counted.consumed).toBe(perMinute);
    expect(limit.hitLocally(ip)).toBe(false);
    expect(await refusal(limit.hit(ip))).toBe('RATE_LIMITED');
  });

  it('concurrent reads of one network share one round trip; two processes on one counter are refused at most a lease early and never late', async () => {
    const { factory, counted } = countedRateLimits();
    const perMinute = 400;
    const make = () =>
      createAnonymousReadLimit({ rateLimits: factory, log: captureLog().log, perMinute });
    const [a, b] = [make(), make()];
    const ip = '198.51.100.9';
    await a.hit(ip); // learns what is left
    const before = counted.roundTrips;
    await Promise.all(Array.from({ length: 20 }, () => a.hit(ip)));
    expect(counted.roundTrips - before).toBe(1);

    let allowed = 21;
    for (let turn = 0; allowed < perMinute * 2; turn += 1) {
      const side = turn % 2 === 0 ? a : b;
      if (side.hitLocally(ip) || (await refusal(side.hit(ip))) === undefined) allowed += 1;
      else break;
    }
    expect(allowed).toBeLessThanOrEqual(perMinute);
    // At most the other side's unspent lease (an eighth of what was left, at most 100) early.
    expect(allowed).toBeGreaterThanOrEqual(perMinute - 100);
    expect(await refusal(a.hit(ip))).toBe('RATE_LIMITED');
    expect(await refusal(b.hit(ip))).toBe('RATE_LIMITED');
  });

  it('a batch spends its reads from the lease all or none', async () => {
    const { factory } = countedRateLimits();
    const limit = createAnonymousReadLimit({ rateLimits: factory, log: captureLog().log });
    const ip = '203.0.113.5';
    await limit.hit(ip);
    await limit.hit(ip); // takes a lease of 100 ahead
    expect(limit.hitLocally(ip, 101)).toBe(false);
    expect(limit.hitLocally(ip, 100)).toBe(true);
    expect(limit.hitLocally(ip)).toBe(false);
  });

  it('batches bigger than the lease left: its rest pays for part, and the budget still holds to the read', async () => {
    const { factory, counted } = countedRateLimits();
    const perMinute = 1_200;
    const limit = createAnonymousReadLimit({
      rateLimits: factory,
      log: captureLog().log,
      perMinute,
    });
    const ip = '203.0.113.77';
    let reads = 0;
    while (reads < perMinute) {
      const size = reads % 3 === 0 ? 50 : 7; // sizes that leave odd rests of leases
      const n = Math.min(size, perMinute - reads);
      if (!limit.hitLocally(ip, n)) await limit.hit(ip, n);
      reads += n;
      expect(counted.consumed).toBeGreaterThanOrEqual(reads);
    }
    expect(counted.consumed).toBe(perMinute);
    expect(await refusal(limit.hit(ip))).toBe('RATE_LIMITED');
  });
});
