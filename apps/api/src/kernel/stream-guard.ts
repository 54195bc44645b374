import type { AppCode } from '@evently/contracts';
import { AppError } from './app-error.js';

/**
 * A long-lived stream (analytics.live today; seating and check-in streams next) was authorised
 * once, when it opened. The guard keeps asking: it runs the stream's access check whenever a
 * revocation of the stream's session is published (by any instance) and on a timer — the net
 * for a lost message and for what nobody publishes, such as a token's expiry. Once the check
 * refuses, the stream ends with the refusal (an AppError: SESSION_REVOKED, TOKEN_EXPIRED,
 * FORBIDDEN, …) and delivers nothing more.
 */
export interface StreamGuards {
  /** Opens the stream on a signal the guard aborts when access is gone, and guards it. */
  guard<T>(
    open: (signal: AbortSignal) => Promise<AsyncIterable<T>>,
    options: GuardedStream,
  ): Promise<AsyncIterable<T>>;
  /**
   * The server is stopping: every open stream ends with SERVICE_UNAVAILABLE (clients reconnect,
   * to another instance, after their last id) and new ones are refused. An open stream would
   * otherwise hold the HTTP server's drain until the process is killed.
   */
  close(): void;
}

export interface GuardedStream {
  /** The session whose published revocations trigger a check. */
  sessionId: string;
  /** Resolves while the caller may still see the stream; throws an AppError once they may not. */
  check(): Promise<void>;
  /** The consumer's signal (the client went away). */
  signal?: AbortSignal | undefined;
}

/** Where revocations arrive: `onChange` runs when `sessionId`'s state changed on any instance. */
export interface RevocationFeed {
  /** Resolves once active: a revocation published after it is delivered. */
  watch(sessionId: string, onChange: () => void): Promise<() => void>;
}

/** Runs `tick` every `ms` until the returned stop is called. */
export type Ticker = (ms: number, tick: () => void) => () => void;

interface GuardLog {
  warn(obj: object, msg?: string): void;
}

export interface StreamGuardsDeps {
  revocations: RevocationFeed;
  /** How often every stream is checked without a revocation. */
  intervalMs: number;
  /**
   * A stream whose checks keep failing for other reasons (the database is away) ends after this
   * long with SERVICE_UNAVAILABLE, which clients reconnect from. Default 30 s.
   */
  maxUncheckedMs?: number;
  log: GuardLog;
  /** Injected in tests; default setInterval (unref'd). */
  ticker?: Ticker;
  now?: () => number;
}

/** Codes that say "could not check", not "may not see": the stream goes on and is checked again. */
const TRANSIENT: ReadonlySet<AppCode> = new Set(['SERVICE_UNAVAILABLE', 'INTERNAL']);

const realTicker: Ticker = (ms, tick) => {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
};

const shuttingDown = () =>
  new AppError('SERVICE_UNAVAILABLE', 'This server is shutting down; reconnect');

export function createStreamGuards(deps: StreamGuardsDeps): StreamGuards {
  /** How to end each open stream. */
  const openStreams = new Set<(error: unknown) => void>();
  let closed = false;
  return {
    close() {
      closed = true;
      for (const end of [...openStreams]) end(shuttingDown());
    },

    async guard<T>(
      open: (signal: AbortSignal) => Promise<AsyncIterable<T>>,
      options: GuardedStream,
    ): Promise<AsyncIterable<T>> {
      if (closed) throw shuttingDown();
      const stop = new AbortController();
      const onAbort = () => stop.abort();
      if (options.signal?.aborted) stop.abort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const detach = () => options.signal?.removeEventListener('abort', onAbort);
      let source: AsyncIterable<T>;
      try {
        source = await open(stop.signal);
      } catch (error) {
        detach();
        throw error;
      }
      return guarded(source, stop, options, deps, detach, openStreams);
    },
  };
}

async function* guarded<T>(
  source: AsyncIterable<T>,
  stop: AbortController,
  options: GuardedStream,
  deps: StreamGuardsDeps,
  detach: () => void,
  openStreams: Set<(error: unknown) => void>,
): AsyncGenerator<T> {
  let lose: (error: unknown) => void = () => {};
  const lost = new Promise<never>((_, reject) => {
    lose = reject;
  });
  lost.catch(() => {});
  const end = (error: unknown) => {
    lose(error);
    // Wakes a source waiting for its next update, so it lets go of what it holds.
    stop.abort();
  };
  openStreams.add(end);
  const checks = accessChecks(options.check, deps, end);
  const iterator = source[Symbol.asyncIterator]();
  let unwatch: (() => void) | undefined;
  try {
    unwatch = await deps.revocations.watch(options.sessionId, checks.run);
    // A revocation between the open's authorisation and the watch is caught by this one.
    checks.run();
    const stopTicking = (deps.ticker ?? realTicker)(deps.intervalMs, checks.run);
    try {
      for (;;) {
        const next = await Promise.race([iterator.next(), lost]);
        if (next.done) return;
        yield next.value;
      }
    } finally {
      stopTicking();
    }
  } finally {
    openStreams.delete(end);
    checks.close();
    unwatch?.();
    detach();
    stop.abort();
    // Not awaited: a source busy with a query ends at its next step, and the refusal need not wait.
    void iterator.return?.()?.catch(() => {});
  }
}

/** One check at a time; a trigger during a check runs another after it (it may have read old state). */
function accessChecks(
  check: () => Promise<void>,
  deps: StreamGuardsDeps,
  onDenied: (error: unknown) => void,
) {
  const now = deps.now ?? Date.now;
  const maxUncheckedMs = deps.maxUncheckedMs ?? 30_000;
  let running = false;
  let again = false;
  let closed = false;
  let failingSince: number | undefined;

  const deny = (error: unknown) => {
    closed = true;
    onDenied(error);
  };

  const once = async () => {
    try {
      await check();
      failingSince = undefined;
    } catch (error) {
      if (closed) return;
      if (error instanceof AppError && !TRANSIENT.has(error.appCode)) {
        deny(error);
        return;
      }
      if (failingSince === undefined) {
        failingSince = now();
        deps.log.warn({ err: error }, 'stream access check failed; checking again');
      } else if (now() - failingSince >= maxUncheckedMs) {
        deny(new AppError('SERVICE_UNAVAILABLE', 'Access could not be checked; reconnect'));
      }
    }
  };

  const loop = async () => {
    running = true;
    try {
      do {
        again = false;
        await once();
      } while (again && !closed);
    } finally {
      running = false;
    }
  };

  return {
    run: () => {
      if (closed) return;
      if (running) {
        again = true;
        return;
      }
      void loop();
    },
    close: () => {
      closed = true;
    },
  };
}
