import { setTimeout as sleep } from 'node:timers/promises';

export interface DrainOptions<T> {
  /** What is still left in a state read (0: drained). */
  left: (state: T) => number;
  /** Fails once what is left has not shrunk for this long. */
  stallMs: number;
  /** Checked on every read: throws to stop waiting at once (a process that exited). */
  abort?: () => void;
  intervalMs?: number;
}

/**
 * Reads until nothing is left. A fault test settling on a busy machine may take long, and its
 * time grows with the load; a stuck one stops moving. So it fails only when what is left has
 * not shrunk for `stallMs`, never at a fixed deadline. Resolves the last state.
 */
export async function untilDrained<T>(
  read: () => Promise<T>,
  options: DrainOptions<T>,
): Promise<T> {
  let least = Number.POSITIVE_INFINITY;
  let shrankAt = Date.now();
  for (;;) {
    options.abort?.();
    const state = await read();
    const left = options.left(state);
    if (left === 0) return state;
    if (left < least) {
      least = left;
      shrankAt = Date.now();
    } else if (Date.now() - shrankAt > options.stallMs) {
      throw new Error(
        `stuck: ${left} left and no progress for ${options.stallMs} ms; last seen: ${JSON.stringify(state)}`,
      );
    }
    await sleep(options.intervalMs ?? 250);
  }
}
