import { describe, expect, it } from 'vitest';
import { afterFailure, DEFAULT_MAIL_RETRY } from './mail-retry.js';

describe('mail retry policy', () => {
  it('doubles the wait after each failed try, then gives up', () => {
    const policy = { attempts: 4, backoffMs: 100, maxBackoffMs: 10_000 };
    expect(afterFailure(policy, 0)).toEqual({ dead: false, delayMs: 100 });
    expect(afterFailure(policy, 1)).toEqual({ dead: false, delayMs: 200 });
    expect(afterFailure(policy, 2)).toEqual({ dead: false, delayMs: 400 });
    expect(afterFailure(policy, 3)).toEqual({ dead: true });
  });

  it('caps the wait', () => {
    const policy = { attempts: 20, backoffMs: 1_000, maxBackoffMs: 5_000 };
    expect(afterFailure(policy, 10)).toEqual({ dead: false, delayMs: 5_000 });
  });

  it('by default tries eight times over about ten minutes', () => {
    let total = 0;
    let tries = 0;
    for (;;) {
      const next = afterFailure(DEFAULT_MAIL_RETRY, tries);
      tries += 1;
      if (next.dead) break;
      total += next.delayMs;
    }
    expect(tries).toBe(8);
    expect(total).toBe(635_000);
  });
});
