import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { sampleUntilStopped } from './inventory-watcher.js';

// The sampler behind the flash-sale tests' inventory watcher: a failed read under load is not a
// failed test (it was: an unhandled rejection failed two tests at load 36), a lasting one is.
describe('sampling until stopped', () => {
  /** Reads answering 1, 2, 3, … with the calls listed in `failing` rejecting instead. */
  function reads(failing: (call: number) => boolean) {
    let calls = 0;
    return async () => {
      calls += 1;
      if (failing(calls)) throw new Error(`read ${calls} timed out`);
      return calls;
    };
  }

  it('skips a read that fails now and then, and keeps every other sample', async () => {
    const sampler = sampleUntilStopped(
      reads((call) => call === 2 || call === 4),
      { intervalMs: 1, retryMs: 1 },
    );
    await expect.poll(() => sampler.failedReads(), { timeout: 10_000 }).toBe(2);
    await sleep(20);
    const samples = await sampler.stop();
    expect(samples.slice(0, 3)).toEqual([1, 3, 5]);
    expect(samples).not.toContain(2);
    expect(samples).not.toContain(4);
  });

  it('fails stop() when reads keep failing, with the last error as the cause', async () => {
    const sampler = sampleUntilStopped(
      reads((call) => call > 3),
      { intervalMs: 1, retryMs: 1, maxFailuresInARow: 5 },
    );
    await expect.poll(() => sampler.failedReads(), { timeout: 10_000 }).toBe(5);
    const stopped = sampler.stop();
    await expect(stopped).rejects.toThrow('sampling gave up after 5 failed reads in a row');
    await expect(stopped).rejects.toMatchObject({ cause: new Error('read 8 timed out') });
    // It gave up: no read after the fifth failure in a row.
    expect(sampler.failedReads()).toBe(5);
  });

  it('fails stop() when no read ever succeeded', async () => {
    const sampler = sampleUntilStopped(
      reads(() => true),
      { intervalMs: 1, retryMs: 1, maxFailuresInARow: 100 },
    );
    await expect.poll(() => sampler.failedReads(), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect(sampler.stop()).rejects.toThrow(/no read succeeded/);
  });
});
