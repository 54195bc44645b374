import { describe, expect, it } from 'vitest';
import { drainInLanes } from './listening-poll-loop.js';

/** Resolves after the current turn of the event loop, so lanes interleave. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('drainInLanes', () => {
  it('runs the lanes side by side until the work is gone, counting what was done', async () => {
    let left = 10;
    let inFlight = 0;
    let most = 0;
    const done = await drainInLanes(3, async () => {
      if (left === 0) return false;
      left -= 1;
      inFlight += 1;
      most = Math.max(most, inFlight);
      await turn();
      inFlight -= 1;
      return true;
    });
    expect(done).toBe(10);
    expect(most).toBe(3);
  });

  it('after a failure the other lanes take nothing more, and all settle before it is thrown', async () => {
    let calls = 0;
    let running = 0;
    let thrown = false;
    let startedAfter = 0;
    const failure = new Error('cannot record');
    const pass = drainInLanes(3, async () => {
      calls += 1;
      if (thrown) startedAfter += 1;
      const call = calls;
      running += 1;
      await turn();
      running -= 1;
      if (call === 2) {
        thrown = true;
        throw failure;
      }
      return true;
    });
    await expect(pass).rejects.toBe(failure);
    expect(startedAfter).toBe(0);
    expect(running).toBe(0);
    expect(calls).toBeGreaterThanOrEqual(3);
  });

  it('answers 0 when there is nothing to do', async () => {
    expect(await drainInLanes(4, async () => false)).toBe(0);
  });
});
