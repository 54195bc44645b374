import type { BookedSeat } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import { createSeatIndex } from '../seating/seat-index.js';
import type { SeatSnapshot } from './order-snapshot.js';
import {
  type KnownSeats,
  type LoadedSeats,
  type SeatingRead,
  seatAllocationsRepository as seatsRepo,
} from './seat-allocations.repository.js';

/** Events whose seats a process keeps in memory at most (the least recently used go first). */
const CACHED_EVENTS = 16;

interface CachedSeats extends SeatSnapshot {
  seatsVersion: number;
  /** The inventory version the index's free seats are exact for. */
  inventoryVersion: number;
}

/** A seat snapshot built from a full load of the plan. */
export function seatSnapshotOf(loaded: LoadedSeats): SeatSnapshot {
  // Loaded in the order a booking lists its seats: a seat's place there is its rank.
  const ranked = new Map<string, { rank: number; label: BookedSeat }>(
    loaded.seats.map((s, rank) => [s.id, { rank, label: s.label }]),
  );
  return {
    index: createSeatIndex(loaded.seats, loaded.focus),
    seatedTypes: new Set(loaded.seats.map((s) => s.ticketTypeId)),
    labels: (seatIds) =>
      seatIds
        .flatMap((id) => ranked.get(id) ?? [])
        .sort((a, b) => a.rank - b.rank)
        .map((s) => s.label),
  };
}

/** The event's seats read afresh in the caller's transaction (a path outside the allocator). */
export async function loadSeatSnapshot(
  trx: Transaction<Database>,
  eventId: string,
): Promise<SeatSnapshot | undefined> {
  const loaded = await seatsRepo.load(trx, eventId);
  return loaded && seatSnapshotOf(loaded);
}

/**
 * The allocator's seats of each seated event, kept in memory between batches: a batch's read
 * brings only the seats whose allocations changed since the cached inventory version (another
 * process sold or a hold expired), and the whole plan is read again only when it or a block
 * changed (`seats_version`), or when this process had not seen the event. A batch's decision
 * takes its seats from the index as it goes; when its write then does not happen they are given
 * back, so the index stays exact for the version it records.
 */
export function createSeatSnapshots(db: Kysely<Database>) {
  const cache = new Map<string, CachedSeats>();

  const keep = (eventId: string, seats: CachedSeats) => {
    cache.delete(eventId);
    cache.set(eventId, seats);
    for (const oldest of cache.keys()) {
      if (cache.size <= CACHED_EVENTS) break;
      cache.delete(oldest);
    }
  };

  return {
    /** What is cached for these events, for the batch read to send only what changed since. */
    known(eventIds: Iterable<string>): Record<string, KnownSeats> {
      const known: Record<string, KnownSeats> = {};
      for (const id of eventIds) {
        const cached = cache.get(id);
        if (cached) known[id] = { seats: cached.seatsVersion, inventory: cached.inventoryVersion };
      }
      return known;
    },

    /**
     * The event's seats as of the batch's read at `inventoryVersion` (undefined without a
     * plan): the cached index with the read's changes applied, or the plan loaded whole.
     */
    async snapshot(
      eventId: string,
      read: SeatingRead | null,
      inventoryVersion: number,
    ): Promise<SeatSnapshot | undefined> {
      if (!read) {
        cache.delete(eventId);
        return undefined;
      }
      const cached = cache.get(eventId);
      if (cached && cached.seatsVersion === read.seatsVersion) {
        for (const change of read.changes ?? []) {
          const seat = cached.index.seat(change.id);
          if (!seat || seat.free === change.free) continue;
          if (change.free) cached.index.release([change.id]);
          else cached.index.takeSeats([change.id]);
        }
        cached.inventoryVersion = Math.max(cached.inventoryVersion, inventoryVersion);
        keep(eventId, cached);
        return cached;
      }
      // Read after the batch's read: if seats moved meanwhile, the batch's write finds the
      // inventory version moved too, and nothing is written.
      const loaded = await seatsRepo.load(db, eventId);
      if (!loaded) {
        cache.delete(eventId);
        return undefined;
      }
      const fresh: CachedSeats = {
        ...seatSnapshotOf(loaded),
        seatsVersion: loaded.seatsVersion,
        inventoryVersion: loaded.inventoryVersion,
      };
      keep(eventId, fresh);
      return fresh;
    },

    /** The batch's write happened: its seats are taken as of the version it moved the row to. */
    written(eventId: string, inventoryVersion: number): void {
      const cached = cache.get(eventId);
      if (cached) cached.inventoryVersion = inventoryVersion;
    },

    /** The batch's write did not happen (or may not have): its seats are given back. */
    abandoned(eventId: string, seatIds: readonly string[]): void {
      cache.get(eventId)?.index.release(seatIds);
    },

    /**
     * The database refused a seat the index had free (or the statement failed whole for another
     * reason): the event's seats are read whole next time rather than trusted.
     */
    forget(eventId: string): void {
      cache.delete(eventId);
    },
  };
}

export type SeatSnapshots = ReturnType<typeof createSeatSnapshots>;
