import { describe, expect, it } from 'vitest';
import {
  afterFailure,
  disables,
  DEFAULT_DELIVERY_SCHEDULE as schedule,
} from './delivery-schedule.js';

const at = (iso: string) => new Date(iso);
const recorded = at('2026-12-01T12:00:00.000Z');
const retryUntil = at('2026-12-02T12:00:00.000Z');

describe('delivery schedule', () => {
  it('backs off 5 s, 5 min, 30 min, 2 h, 5 h, then 10 h', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7].map((attempts) => {
      const next = afterFailure(schedule, { attempts, now: recorded, retryUntil });
      if (next.status !== 'pending') throw new Error('gave up early');
      return (next.nextAttemptAt.getTime() - recorded.getTime()) / 1_000;
    });
    expect(waits).toEqual([5, 300, 1_800, 7_200, 18_000, 36_000, 36_000]);
  });

  it('makes its last try at the end of the 24 h window, then fails', () => {
    const late = at('2026-12-02T05:00:00.000Z');
    expect(afterFailure(schedule, { attempts: 7, now: late, retryUntil })).toEqual({
      status: 'pending',
      nextAttemptAt: retryUntil,
    });
    expect(afterFailure(schedule, { attempts: 8, now: retryUntil, retryUntil })).toEqual({
      status: 'failed',
    });
  });

  it('disables a webhook failing for 5 days, not a moment before', () => {
    const since = recorded;
    const fiveDays = new Date(since.getTime() + 5 * 86_400_000);
    expect(disables(schedule, since, new Date(fiveDays.getTime() - 1))).toBe(false);
    expect(disables(schedule, since, fiveDays)).toBe(true);
  });
});
