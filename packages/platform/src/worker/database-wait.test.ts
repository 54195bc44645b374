import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createDatabaseWait } from './database-wait.js';

const silent = pino({ level: 'silent' });
const fast = { initialMs: 5, maxMs: 20 };

/** What pg reports when Postgres terminates the connection (pg_ctl restart/stop). */
function adminShutdown(): Error {
  return Object.assign(new Error('terminating connection due to administrator command'), {
    code: '57P01',
  });
}

describe('jobs waiting for the database', () => {
  it('runs the work again while the database is away, then resolves its result', async () => {
    const wait = createDatabaseWait(silent, fast);
    let calls = 0;
    const result = await wait.run(async () => {
      calls += 1;
      if (calls < 6) throw adminShutdown();
      return 'done';
    });
    expect(result).toBe('done');
    expect(calls).toBe(6);
  });

  it("fails at once on the work's own errors", async () => {
    const wait = createDatabaseWait(silent, fast);
    let calls = 0;
    await expect(
      wait.run(async () => {
        calls += 1;
        throw Object.assign(new Error('duplicate key'), { code: '23505' });
      }),
    ).rejects.toThrow('duplicate key');
    expect(calls).toBe(1);
  });

  it('gives up with the last error when the worker stops', async () => {
    const wait = createDatabaseWait(silent, { initialMs: 60_000, maxMs: 60_000 });
    const running = wait.run(async () => {
      throw adminShutdown();
    });
    setTimeout(() => wait.abort(), 50);
    await expect(running).rejects.toThrow('administrator command');
    // A run that starts after the stop is not aborted already.
    expect(await wait.run(async () => 1)).toBe(1);
  });
});
