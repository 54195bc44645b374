import { describe, expect, it } from 'vitest';
import { untilDrained } from './until-drained.js';

describe('untilDrained', () => {
  it('waits as long as what is left keeps shrinking, however long that takes', async () => {
    // 6 reads 30 ms apart, each smaller: longer in all than the 60 ms a stall is allowed.
    let left = 6;
    const state = await untilDrained(async () => ({ left: left-- }), {
      left: (s) => s.left,
      stallMs: 60,
      intervalMs: 30,
    });
    expect(state).toEqual({ left: 0 });
  });

  it('fails once nothing has moved for the stall time, naming what is left', async () => {
    let reads = 0;
    await expect(
      untilDrained(
        async () => {
          reads += 1;
          return { pending: reads < 3 ? 5 - reads : 3 };
        },
        { left: (s) => s.pending, stallMs: 100, intervalMs: 20 },
      ),
    ).rejects.toThrow('stuck: 3 left and no progress for 100 ms; last seen: {"pending":3}');
    expect(reads).toBeGreaterThan(3);
  });

  it('stops at once when told to abort', async () => {
    let reads = 0;
    await expect(
      untilDrained(async () => ++reads, {
        left: () => 1,
        stallMs: 60_000,
        abort: () => {
          if (reads === 2) throw new Error('the worker exited');
        },
      }),
    ).rejects.toThrow('the worker exited');
    expect(reads).toBe(2);
  });
});
