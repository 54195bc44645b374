import type { Database } from '@evently/db';
import type { Transaction } from 'kysely';
import type { SeatSnapshot } from './order-snapshot.js';
import { loadSeatSnapshot } from './seat-snapshots.js';

/** What the offers of a queue's round get: those that can be made, and each one's seats. */
export interface SeatedOffers<E> {
  offers: E[];
  /** By entry id: the seats of an offer on a seated type. */
  seats: Map<string, string[]>;
}

/**
 * A waitlist's offers on seated types come with the best available seats: together in one row
 * when a row has room, otherwise wherever they are (the entry asked for seats, not for a row).
 * When a type's free seats cannot seat an entry, that entry and those behind it in the same
 * line wait on: their line is served in join order. The event's seats are read once per
 * promotion, in the caller's transaction (which holds the inventory row), and only when an offer
 * on a seated type is to be made.
 */
export function createOfferSeats(trx: Transaction<Database>, eventId: string) {
  let loaded: Promise<SeatSnapshot | undefined> | undefined;
  return async function seatOffers<
    E extends { id: string; ticket_type_id: string; quantity: number },
  >(offers: readonly E[]): Promise<SeatedOffers<E>> {
    const seats = new Map<string, string[]>();
    if (offers.length === 0) return { offers: [], seats };
    loaded ??= loadSeatSnapshot(trx, eventId);
    const snapshot = await loaded;
    if (!snapshot) return { offers: [...offers], seats };
    const stopped = new Set<string>();
    const made = offers.filter((entry) => {
      const type = entry.ticket_type_id;
      if (!snapshot.seatedTypes.has(type)) return true;
      if (stopped.has(type)) return false;
      const request = { ticketTypeId: type, count: entry.quantity };
      let chosen = snapshot.index.bestAvailable({ ...request, together: true });
      if (!Array.isArray(chosen))
        chosen = snapshot.index.bestAvailable({ ...request, together: false });
      if (!Array.isArray(chosen)) {
        stopped.add(type);
        return false;
      }
      seats.set(entry.id, chosen);
      return true;
    });
    return { offers: made, seats };
  };
}

export type OfferSeats = ReturnType<typeof createOfferSeats>;
