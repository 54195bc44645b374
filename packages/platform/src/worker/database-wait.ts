import { setTimeout as sleep } from 'node:timers/promises';
import { isDatabaseUnavailable } from '@evently/db';
import type { Logger } from 'pino';

export interface DatabaseWait {
  /**
   * Runs `work`; while it fails because the database is away (restarting, stopped), waits with
   * backoff and runs it again, so an outage of any length costs a job none of its tries (they
   * are for the work's own failures: five tries in ~15 s would all be spent by a 20 s outage).
   * Only for idempotent work. Any other error, or a stop, ends it with the error.
   */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Ends every wait (the work's last error is thrown): the worker is stopping. */
  abort(): void;
}

export function createDatabaseWait(
  log: Logger,
  backoff = { initialMs: 250, maxMs: 5_000 },
): DatabaseWait {
  let controller = new AbortController();
  // One warning per outage, not one per job.
  let away = false;

  return {
    async run(work) {
      const signal = controller.signal;
      for (let wait = backoff.initialMs; ; wait = Math.min(wait * 2, backoff.maxMs)) {
        try {
          const result = await work();
          if (away) {
            away = false;
            log.info('database is back; jobs run again');
          }
          return result;
        } catch (error) {
          if (signal.aborted || !isDatabaseUnavailable(error)) throw error;
          if (!away) {
            away = true;
            log.warn({ err: error }, 'database unavailable; jobs wait for it');
          }
          try {
            await sleep(wait, undefined, { signal });
          } catch {
            throw error;
          }
        }
      }
    },
    abort() {
      controller.abort();
      controller = new AbortController();
    },
  };
}
