import { type LockPort, LockUnavailableError } from './lock.port.js';
import { LockExpiredError } from './lock-expired-error.js';
import { parseLockRequest } from './lock-options.js';

interface Waiter {
  grant(): void;
  fail(error: Error): void;
}

/**
 * In-process keyed mutex for the embedded mode. Waiters are served first come first served; an
 * acquirer waits at most `retryCount * retryDelayMs` (the same budget the Redis locks retry
 * for). TTL semantics as with Redis: a holder still running after `ttlMs` gets its signal
 * aborted and the lock passes on, so a hung holder cannot block a key forever.
 */
export function createMemoryLocks(): LockPort {
  // A key is held while it has an entry; the entry lists who waits for it, in arrival order.
  const queues = new Map<string, Waiter[]>();
  let closed = false;

  function acquire(key: string, maxWaitMs: number): Promise<void> {
    const queue = queues.get(key);
    if (!queue) {
      queues.set(key, []);
      return Promise.resolve();
    }
    if (maxWaitMs <= 0) return Promise.reject(new LockUnavailableError(key));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant() {
          clearTimeout(timer);
          resolve();
        },
        fail(error) {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        const index = queue.indexOf(waiter);
        if (index !== -1) queue.splice(index, 1);
        reject(new LockUnavailableError(key));
      }, maxWaitMs);
      queue.push(waiter);
    });
  }

  function release(key: string): void {
    const queue = queues.get(key);
    if (!queue) return;
    const next = queue.shift();
    if (next) next.grant();
    else queues.delete(key);
  }

  return {
    async withLock(key, options, fn) {
      const { ttlMs, retryCount, retryDelayMs } = parseLockRequest(key, options);
      if (closed) throw new Error('locks are closed');
      await acquire(key, retryCount * retryDelayMs);

      const controller = new AbortController();
      let released = false;
      const releaseOnce = () => {
        if (released) return;
        released = true;
        release(key);
      };
      const expiry = setTimeout(() => {
        controller.abort(new LockExpiredError(key, `held longer than its ttl of ${ttlMs} ms`));
        releaseOnce();
      }, ttlMs);
      try {
        return await fn(controller.signal);
      } finally {
        clearTimeout(expiry);
        releaseOnce();
      }
    },

    async close() {
      closed = true;
      for (const queue of queues.values()) {
        for (const waiter of queue.splice(0)) waiter.fail(new Error('locks are closed'));
      }
    },
  };
}
