import type { SeatingLiveMessage, SeatState } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import { seatingLiveRepository as repo, type SeatVersions } from './seating-live.repository.js';

/** One message of `seating.live`; `id` (`plan.inventory` versions) resumes after it. */
export interface LiveSeatUpdate {
  id: string;
  message: SeatingLiveMessage;
}

/** What one read of the feed found, with the versions it is exact for. */
export interface SeatBatch {
  planVersion: number;
  inventoryVersion: number;
  updates: LiveSeatUpdate[];
}

/** How often an event with open streams is read for changes (one cheap statement each time). */
export const SEAT_FEED_POLL_MS = 250;

export const liveId = (planVersion: number, inventoryVersion: number) =>
  `${planVersion}.${inventoryVersion}`;

/**
 * A read's messages after `planVersion`: the plan changed (read the map again), or one message
 * per state the changed seats are in now.
 */
export function updatesOf(planVersion: number, read: SeatVersions): LiveSeatUpdate[] {
  const id = liveId(read.planVersion, read.inventoryVersion);
  if (read.planVersion !== planVersion) {
    return [{ id, message: { planVersion: read.planVersion } }];
  }
  const byState = new Map<SeatState, string[]>();
  for (const change of read.changes ?? []) {
    const ids = byState.get(change.state) ?? [];
    ids.push(change.id);
    byState.set(change.state, ids);
  }
  return [...byState].map(([state, seatIds]) => ({ id, message: { seatIds, state } }));
}

interface EventFeed {
  listeners: Set<(batch: SeatBatch) => void>;
  /** What the last read found (undefined before the first). */
  versions?: { plan: number; inventory: number };
  timer: NodeJS.Timeout;
  reading: boolean;
  /** Resolves once the first read found the versions: batches count from there. */
  primed: Promise<void>;
  markPrimed: () => void;
}

/**
 * The seat changes of the events that have open streams in this process: one reader per event
 * (not per stream) reads every SEAT_FEED_POLL_MS whether its inventory version moved — every
 * seat change moves it, on any instance — and, when it did, the seats changed since, and hands
 * the batch to each of its streams. A change is seen within a poll, whichever process made it.
 */
export function createSeatFeed(deps: {
  db: Kysely<Database>;
  log: { warn(obj: object, msg?: string): void };
  pollMs?: number;
}) {
  const feeds = new Map<string, EventFeed>();

  async function read(eventId: string, feed: EventFeed): Promise<void> {
    if (feed.reading) return;
    feed.reading = true;
    try {
      const known = feed.versions;
      const found = await repo.liveChanges(deps.db, eventId, known?.inventory ?? null);
      if (!found || feeds.get(eventId) !== feed) return;
      feed.versions = { plan: found.planVersion, inventory: found.inventoryVersion };
      if (!known) {
        feed.markPrimed();
        return;
      }
      const updates = updatesOf(known.plan, found);
      if (updates.length === 0) return;
      const batch = {
        planVersion: found.planVersion,
        inventoryVersion: found.inventoryVersion,
        updates,
      };
      for (const listener of feed.listeners) listener(batch);
    } catch (error) {
      // The next poll tries again; the streams lose nothing (their versions did not move).
      deps.log.warn({ err: error, eventId }, 'seat feed read failed');
    } finally {
      feed.reading = false;
    }
  }

  return {
    /**
     * Hands `listener` every batch of the event from now on; resolves with how to stop once the
     * feed has its starting versions, so that whatever the caller reads next is covered: a
     * later batch holds every change from those versions on.
     */
    async listen(eventId: string, listener: (batch: SeatBatch) => void): Promise<() => void> {
      let feed = feeds.get(eventId);
      if (!feed) {
        let markPrimed = () => {};
        const primed = new Promise<void>((resolve) => {
          markPrimed = resolve;
        });
        const fresh: EventFeed = {
          listeners: new Set(),
          reading: false,
          primed,
          markPrimed,
          timer: setInterval(() => void read(eventId, fresh), deps.pollMs ?? SEAT_FEED_POLL_MS),
        };
        fresh.timer.unref();
        feeds.set(eventId, fresh);
        void read(eventId, fresh);
        feed = fresh;
      }
      const joined = feed;
      joined.listeners.add(listener);
      const stop = () => {
        joined.listeners.delete(listener);
        if (joined.listeners.size === 0 && feeds.get(eventId) === joined) {
          clearInterval(joined.timer);
          feeds.delete(eventId);
        }
      };
      await joined.primed;
      return stop;
    },

    close(): void {
      for (const feed of feeds.values()) {
        clearInterval(feed.timer);
        // A stream still waiting for its start goes on to find its feed closed.
        feed.markPrimed();
      }
      feeds.clear();
    },
  };
}

export type SeatFeed = ReturnType<typeof createSeatFeed>;
