import type { CurrentSeat, PlacedSeat } from './seating.repository.js';

// How a new plan meets the seats there are: a seat is its (section, row, seat) keys, so a seat
// whose keys stay keeps its id (and its bookings, block, history) whatever else changes. Seats
// in a live booking (held or sold) must stay, of the same ticket type: their price and quotas
// were decided by it. Anything else may be added, moved, relabelled, retyped or removed.

/** A held or sold seat the new plan would take away or retype. */
export interface RefusedSeat {
  section: string;
  row: string;
  seat: string;
  reason: 'removed' | 'ticketTypeChanged';
}

export interface PlanEdit {
  /** Seats of the current plan the new one drops. */
  removedIds: string[];
  added: number;
  kept: number;
  /** Held or sold seats the new plan would remove or retype: the edit is refused. */
  refused: RefusedSeat[];
}

// Keys never hold a space (seatingKeySchema).
const keyOf = (section: string, row: string, seat: string) => `${section} ${row} ${seat}`;

export function editPlan(current: readonly CurrentSeat[], placed: readonly PlacedSeat[]): PlanEdit {
  const planned = new Map<string, PlacedSeat>();
  for (const seat of placed) planned.set(keyOf(seat.sectionKey, seat.rowKey, seat.seatKey), seat);
  const removedIds: string[] = [];
  const refused: RefusedSeat[] = [];
  let kept = 0;
  for (const seat of current) {
    const next = planned.get(keyOf(seat.section, seat.row, seat.seat));
    if (next) kept += 1;
    else removedIds.push(seat.id);
    if (!seat.live) continue;
    const keys = { section: seat.section, row: seat.row, seat: seat.seat };
    if (!next) refused.push({ ...keys, reason: 'removed' });
    else if (next.ticketTypeId !== seat.ticketTypeId) {
      refused.push({ ...keys, reason: 'ticketTypeChanged' });
    }
  }
  return { removedIds, added: placed.length - kept, kept, refused };
}
