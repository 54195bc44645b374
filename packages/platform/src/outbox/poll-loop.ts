export interface PollLoopOptions {
  /** One pass; resolves true when more work is waiting (run again at once). */
  tick(): Promise<boolean>;
  intervalMs: number;
  /** A failed pass is reported here, then retried after a full interval. */
  onError(error: unknown): void;
}

export interface PollLoop {
  start(): void;
  /** Runs the next pass now instead of at the end of the interval (a hint: may be dropped). */
  wake(): void;
  /** Lets the running pass finish, then stops. */
  stop(): Promise<void>;
}

/**
 * Polling is the source of truth; wake-ups (LISTEN/NOTIFY) only shorten the wait. After a
 * failure the loop ignores wake-ups for one interval, so a storm of notifications while Redis is
 * away does not turn into a storm of failing attempts.
 */
export function createPollLoop(options: PollLoopOptions): PollLoop {
  let running = false;
  let loop: Promise<void> | undefined;
  let woken = false;
  let wakeable = false;
  let endWait: (() => void) | undefined;

  function wait(ms: number, allowWake: boolean): Promise<void> {
    return new Promise((resolve) => {
      if (!running || (allowWake && woken)) return resolve();
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        endWait = undefined;
        wakeable = false;
        resolve();
      }
      endWait = finish;
      wakeable = allowWake;
    });
  }

  async function run() {
    while (running) {
      woken = false;
      let more = false;
      let failed = false;
      try {
        more = await options.tick();
      } catch (error) {
        failed = true;
        options.onError(error);
      }
      if (!running) break;
      if (more && !failed) continue;
      await wait(options.intervalMs, !failed);
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    wake() {
      woken = true;
      if (wakeable) endWait?.();
    },
    async stop() {
      running = false;
      endWait?.();
      await loop;
    },
  };
}
