import { createMemoryRateLimits, type RateLimiterFactory } from '@evently/platform';
import { describe, expect, it } from 'vitest';
import { captureLog } from '../../test/capture-log.js';
import { AppError } from '../kernel/app-error.js';
import { createAnonymousReadLimit } from './anonymous-read-limit.js';

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
});
