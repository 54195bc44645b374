/**
 * Mutual exclusion per key. Contention relief only: correctness always rests on the database
 * (version checks, CHECK constraints), because a Redis failover or a paused process can let two
 * holders in.
 */
export interface LockOptions {
  /** How long the lock lives if the holder dies; keep it short. */
  ttlMs: number;
  /** How many times to retry acquisition before failing with LockUnavailableError. */
  retryCount?: number;
  /** Base delay between attempts; jitter is added. */
  retryDelayMs?: number;
}

export interface LockPort {
  /**
   * Runs `fn` while holding the lock on `key`. The signal aborts when the lock could not be
   * extended and may have been lost: long work must check it before committing.
   */
  withLock<T>(
    key: string,
    options: LockOptions,
    fn: (signal: AbortSignal) => Promise<T>,
  ): Promise<T>;
  close(): Promise<void>;
}

export class LockUnavailableError extends Error {
  constructor(readonly key: string) {
    super(`lock unavailable: ${key}`);
    this.name = 'LockUnavailableError';
  }
}
