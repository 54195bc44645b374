import type { Database } from '@evently/db';
import type { PubSubPort } from '@evently/platform';
import type { Kysely } from 'kysely';
import type { RequestLog } from '../../kernel/log.js';
import { liveRepository } from './live.repository.js';
import { LIVE_CHANNEL, type LiveMessage, liveBroadcastSchema } from './live-message.js';

export type LiveListener = (update: LiveMessage) => void;

/**
 * One pub/sub subscription per process, fanned out to its SSE streams. It hands listeners every
 * update in commit order without gaps: pub/sub is fire-and-forget and concurrent publishers
 * race, so an update that arrives early waits for the ones before it, and a gap that stays open
 * (a lost message) is filled from the log. A poll of the log's cursor finds a lost last message.
 */
export interface LiveHub {
  /** Resolves once active; the listener then gets every update committed after that. */
  listen(listener: LiveListener): Promise<() => void>;
  close(): Promise<void>;
}

export interface LiveHubOptions {
  db: Kysely<Database>;
  pubsub: PubSubPort;
  log: RequestLog;
  /** How long a gap may stay open before it is read from the log. Default 250 ms. */
  gapMs?: number;
  /** How often the cursor is checked for updates whose message never came. Default 1 s. */
  pollMs?: number;
}

interface Feed {
  stop(): Promise<void>;
}

export function createLiveHub(options: LiveHubOptions): LiveHub {
  const { db, log } = options;
  const gapMs = options.gapMs ?? 250;
  const pollMs = options.pollMs ?? 1_000;
  const listeners = new Set<LiveListener>();
  let feed: Feed | null = null;
  // Starting and stopping the feed run one at a time.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn);
    chain = run.catch(() => {});
    return run;
  };

  function dispatch(update: LiveMessage): void {
    for (const listener of listeners) {
      try {
        listener(update);
      } catch (error) {
        log.warn({ err: error }, 'analytics live listener failed');
      }
    }
  }

  async function startFeed(): Promise<Feed> {
    let last: bigint | null = null;
    const early: LiveMessage[] = [];
    const pending = new Map<bigint, LiveMessage>();
    let filling = false;
    let stopped = false;
    let gapTimer: NodeJS.Timeout | undefined;
    let lastAtPoll: bigint | null = null;

    const drain = () => {
      if (last === null) return;
      for (let next = pending.get(last + 1n); next; next = pending.get(last + 1n)) {
        pending.delete(last + 1n);
        last += 1n;
        dispatch(next);
      }
    };

    const scheduleGapFill = () => {
      if (gapTimer || stopped || pending.size === 0) return;
      gapTimer = setTimeout(() => {
        gapTimer = undefined;
        const target = [...pending.keys()].reduce((a, b) => (a > b ? a : b), 0n);
        void fill(target);
      }, gapMs);
      gapTimer.unref();
    };

    /** Reads the log up to `target` (all of it is committed: numbers appear in commit order). */
    async function fill(target: bigint): Promise<void> {
      if (filling || stopped || last === null) return;
      filling = true;
      try {
        while (!stopped && last < target) {
          // With their detail: the hub's one-event streams send it.
          const rows = await liveRepository.updatesAfter(db, last, {}, 500, target, true);
          if (rows.length === 0) break;
          for (const row of rows) {
            const seq = BigInt(row.seq);
            pending.delete(seq);
            if (seq <= last) continue;
            last = seq;
            dispatch(row);
          }
          drain();
        }
      } catch (error) {
        log.warn({ err: error }, 'analytics live catch-up from the log failed; will retry');
      } finally {
        filling = false;
        scheduleGapFill();
      }
    }

    const accept = (update: LiveMessage) => {
      if (last === null) {
        early.push(update);
        return;
      }
      const seq = BigInt(update.seq);
      if (seq <= last) return;
      pending.set(seq, update);
      drain();
      scheduleGapFill();
    };

    const unsubscribe = await options.pubsub.subscribe(LIVE_CHANNEL, (raw) => {
      const parsed = liveBroadcastSchema.safeParse(JSON.parse(raw));
      if (parsed.success) for (const update of parsed.data) accept(update);
      else log.warn({ issues: parsed.error.issues }, 'malformed analytics live message ignored');
    });
    try {
      // Subscribed first, then the position: nothing committed after it can be missed.
      last = (await liveRepository.cursor(db)).seq;
    } catch (error) {
      await unsubscribe();
      throw error;
    }
    for (const update of early.splice(0)) accept(update);

    const poll = setInterval(() => {
      if (filling || stopped || last === null) return;
      const seen = last;
      liveRepository
        .cursor(db)
        .then(({ seq }) => {
          // Only when nothing moved for a whole interval: otherwise messages are still flowing.
          if (seq > seen && lastAtPoll === seen && last === seen) return fill(seq);
        })
        .catch((error: unknown) => log.warn({ err: error }, 'analytics live cursor poll failed'))
        .finally(() => {
          lastAtPoll = seen;
        });
    }, pollMs);
    poll.unref();

    return {
      async stop() {
        stopped = true;
        clearInterval(poll);
        clearTimeout(gapTimer);
        await unsubscribe();
      },
    };
  }

  return {
    listen(listener) {
      return serial(async () => {
        feed ??= await startFeed();
        listeners.add(listener);
        let listening = true;
        return () => {
          if (!listening) return;
          listening = false;
          listeners.delete(listener);
          void serial(async () => {
            if (listeners.size > 0 || !feed) return;
            const stopping = feed;
            feed = null;
            await stopping.stop();
          }).catch((error: unknown) => log.warn({ err: error }, 'analytics live feed stop failed'));
        };
      });
    },

    close() {
      listeners.clear();
      return serial(async () => {
        const stopping = feed;
        feed = null;
        await stopping?.stop();
      });
    },
  };
}
