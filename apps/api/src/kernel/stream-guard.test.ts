import { describe, expect, it, vi } from 'vitest';
import { AppError } from './app-error.js';
import { createStreamGuards, type RevocationFeed, type Ticker } from './stream-guard.js';

/** A source that yields what the test pushes and ends when its signal aborts. */
function pushSource() {
  const queue: number[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  return {
    push(value: number) {
      queue.push(value);
      wake?.();
    },
    get finished() {
      return finished;
    },
    open: async (signal: AbortSignal) =>
      (async function* () {
        try {
          for (;;) {
            const value = queue.shift();
            if (value !== undefined) {
              yield value;
              continue;
            }
            if (signal.aborted) return;
            await new Promise<void>((resolve) => {
              wake = resolve;
              signal.addEventListener('abort', () => resolve(), { once: true });
            });
          }
        } finally {
          finished = true;
        }
      })(),
  };
}

/** Revocations and ticks fired by hand. */
function harness() {
  const watchers = new Map<string, Set<() => void>>();
  const revocations: RevocationFeed = {
    async watch(sessionId, onChange) {
      const set = watchers.get(sessionId) ?? new Set();
      watchers.set(sessionId, set);
      set.add(onChange);
      return () => set.delete(onChange);
    },
  };
  const ticks = new Set<() => void>();
  const ticker: Ticker = (_ms, tick) => {
    ticks.add(tick);
    return () => ticks.delete(tick);
  };
  let clock = 0;
  const warnings: string[] = [];
  const guards = createStreamGuards({
    revocations,
    intervalMs: 1_000,
    maxUncheckedMs: 30_000,
    ticker,
    now: () => clock,
    log: { warn: (_obj, msg) => void warnings.push(msg ?? '') },
  });
  return {
    guards,
    warnings,
    revoke: (sessionId: string) => {
      for (const watcher of watchers.get(sessionId) ?? []) watcher();
    },
    tick: () => {
      for (const tick of ticks) tick();
    },
    advance: (ms: number) => {
      clock += ms;
    },
    watching: (sessionId: string) => watchers.get(sessionId)?.size ?? 0,
    ticking: () => ticks.size,
  };
}

/** Collects a guarded stream until it ends. */
function drain(stream: AsyncIterable<number>) {
  const seen: number[] = [];
  const done = (async () => {
    for await (const value of stream) seen.push(value);
  })();
  done.catch(() => {});
  return { seen, done };
}

const eventually = (check: () => void) => vi.waitFor(check, { timeout: 5_000, interval: 5 });

describe('stream guard', () => {
  it('ends the stream with the check’s refusal when a revocation of its session is published', async () => {
    const h = harness();
    const source = pushSource();
    let allowed = true;
    const check = vi.fn(async () => {
      if (!allowed) throw new AppError('SESSION_REVOKED', 'ended');
    });
    const stream = drain(await h.guards.guard(source.open, { sessionId: 's1', check }));
    source.push(1);
    await eventually(() => expect(stream.seen).toEqual([1]));

    h.revoke('other-session');
    allowed = false;
    source.push(2);
    await eventually(() => expect(stream.seen).toEqual([1, 2]));
    const checksBefore = check.mock.calls.length;
    h.revoke('s1');
    await expect(stream.done).rejects.toMatchObject({ appCode: 'SESSION_REVOKED' });
    expect(check.mock.calls.length).toBe(checksBefore + 1);
    source.push(3);
    await eventually(() => expect(source.finished).toBe(true));
    expect(stream.seen).toEqual([1, 2]);
    // Nothing left behind.
    expect(h.watching('s1')).toBe(0);
    expect(h.ticking()).toBe(0);
  });

  it('checks on its timer too (a lost revocation, an expired token)', async () => {
    const h = harness();
    const source = pushSource();
    let allowed = true;
    const check = async () => {
      if (!allowed) throw new AppError('TOKEN_EXPIRED', 'expired');
    };
    const stream = drain(await h.guards.guard(source.open, { sessionId: 's1', check }));
    source.push(1);
    await eventually(() => expect(stream.seen).toEqual([1]));
    allowed = false;
    h.tick();
    await expect(stream.done).rejects.toMatchObject({ appCode: 'TOKEN_EXPIRED' });
    await eventually(() => expect(source.finished).toBe(true));
  });

  it('checks once right after it starts watching (a revocation before the watch was missed)', async () => {
    const h = harness();
    const source = pushSource();
    const check = async () => {
      throw new AppError('FORBIDDEN', 'demoted');
    };
    const stream = drain(await h.guards.guard(source.open, { sessionId: 's1', check }));
    await expect(stream.done).rejects.toMatchObject({ appCode: 'FORBIDDEN' });
  });

  it('runs a check again when a revocation arrives while one is under way', async () => {
    const h = harness();
    const source = pushSource();
    let release: (() => void) | undefined;
    let allowed = true;
    const seenAllowed: boolean[] = [];
    const check = vi.fn(async () => {
      // Reads the state first, then takes a while: a change meanwhile is not seen by this run.
      const now = allowed;
      seenAllowed.push(now);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      if (!now) throw new AppError('SESSION_REVOKED', 'ended');
    });
    const stream = drain(await h.guards.guard(source.open, { sessionId: 's1', check }));
    await eventually(() => expect(check).toHaveBeenCalledTimes(1));
    allowed = false;
    h.revoke('s1');
    h.revoke('s1');
    release?.();
    await eventually(() => expect(check).toHaveBeenCalledTimes(2));
    release?.();
    await expect(stream.done).rejects.toMatchObject({ appCode: 'SESSION_REVOKED' });
    expect(seenAllowed).toEqual([true, false]);
  });

  it('goes on through failures to check, and ends with SERVICE_UNAVAILABLE when they last', async () => {
    const h = harness();
    const source = pushSource();
    let failing = false;
    const check = async () => {
      if (failing) throw new Error('connect ECONNREFUSED');
    };
    const stream = drain(await h.guards.guard(source.open, { sessionId: 's1', check }));
    source.push(1);
    await eventually(() => expect(stream.seen).toEqual([1]));
    failing = true;
    h.tick();
    await eventually(() => expect(h.warnings).toHaveLength(1));
    h.advance(10_000);
    h.tick();
    source.push(2);
    await eventually(() => expect(stream.seen).toEqual([1, 2]));
    expect(h.warnings).toEqual(['stream access check failed; checking again']);
    h.advance(20_000);
    h.tick();
    await expect(stream.done).rejects.toMatchObject({ appCode: 'SERVICE_UNAVAILABLE' });
  });

  it('stops checking and watching when the consumer goes away', async () => {
    const h = harness();
    const source = pushSource();
    const consumer = new AbortController();
    const check = vi.fn(async () => {});
    const stream = drain(
      await h.guards.guard(source.open, { sessionId: 's1', check, signal: consumer.signal }),
    );
    source.push(1);
    await eventually(() => expect(stream.seen).toEqual([1]));
    consumer.abort();
    await stream.done;
    expect(source.finished).toBe(true);
    expect(h.watching('s1')).toBe(0);
    expect(h.ticking()).toBe(0);
  });

  it('a refusal when opening is the opener’s error, before any watch', async () => {
    const h = harness();
    const open = async (): Promise<AsyncIterable<number>> => {
      throw new AppError('NOT_FOUND', 'no such event');
    };
    await expect(
      h.guards.guard(open, { sessionId: 's1', check: async () => {} }),
    ).rejects.toMatchObject({ appCode: 'NOT_FOUND' });
    expect(h.watching('s1')).toBe(0);
  });

  it('close() ends every open stream with SERVICE_UNAVAILABLE and refuses new ones', async () => {
    const h = harness();
    const sources = [pushSource(), pushSource()];
    const check = async () => {};
    const streams = await Promise.all(
      sources.map(async (source, i) =>
        drain(await h.guards.guard(source.open, { sessionId: `s${i}`, check })),
      ),
    );
    for (const [i, source] of sources.entries()) source.push(i);
    await eventually(() => expect(streams.map((s) => s.seen)).toEqual([[0], [1]]));
    h.guards.close();
    for (const stream of streams) {
      await expect(stream.done).rejects.toMatchObject({ appCode: 'SERVICE_UNAVAILABLE' });
    }
    await eventually(() => expect(sources.every((s) => s.finished)).toBe(true));
    await expect(
      h.guards.guard(pushSource().open, { sessionId: 's9', check }),
    ).rejects.toMatchObject({ appCode: 'SERVICE_UNAVAILABLE' });
  });
});
