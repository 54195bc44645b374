/**
 * Figures per check-in list, as deltas (pure). Each `ticket.checked_in` is one entry or exit
 * recorded on a list: `inside` moves by one either way. `entered` counts a ticket once per list,
 * on its first entry; which entry that is the projection learns by marking the (list, ticket)
 * pair (analytics_checkin_tickets): the entry that marks it counts, whichever of the ticket's
 * entries arrives first, so a re-entry or a late redelivery never counts it again.
 */

/** What a ticket.checked_in moves. */
export interface CheckinMove {
  listId: string;
  ticketId: string;
  direction: 'entry' | 'exit';
}

/** Columns of analytics_checkin_stats. */
export interface CheckinDelta {
  entered: number;
  inside: number;
}

export const ZERO_CHECKIN: CheckinDelta = { entered: 0, inside: 0 };

/** One event's change of its list; `entered` is set once its entry is known to be the first. */
export interface ListDelta {
  listId: string;
  delta: CheckinDelta;
}

/** A check-in of a batch: its event, what it moves, and its (still open) change. */
export interface BatchCheckin {
  eventId: string;
  move: CheckinMove;
  change: ListDelta;
}

export function listDelta(move: CheckinMove): ListDelta {
  return {
    listId: move.listId,
    delta: { entered: 0, inside: move.direction === 'entry' ? 1 : -1 },
  };
}

const pairKey = (listId: string, ticketId: string) => `${listId}|${ticketId}`;

/** The (list, ticket) pairs of the batch's entries, each once, in key order (the lock order). */
export function enteredPairs(
  checkins: readonly BatchCheckin[],
): Array<{ listId: string; ticketId: string }> {
  const pairs = new Map<string, { listId: string; ticketId: string }>();
  for (const { move } of checkins) {
    if (move.direction !== 'entry') continue;
    pairs.set(pairKey(move.listId, move.ticketId), {
      listId: move.listId,
      ticketId: move.ticketId,
    });
  }
  return [...pairs.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, pair]) => pair);
}

/**
 * Counts the first entry of each pair this batch marked (`marked`: their keys) on the batch's
 * earliest entry of that pair; every other entry leaves `entered` as it was.
 */
export function creditFirstEntries(
  checkins: readonly BatchCheckin[],
  marked: ReadonlyArray<{ listId: string; ticketId: string }>,
): void {
  const open = new Set(marked.map((m) => pairKey(m.listId, m.ticketId)));
  for (const { move, change } of checkins) {
    const key = pairKey(move.listId, move.ticketId);
    if (move.direction !== 'entry' || !open.has(key)) continue;
    change.delta.entered = 1;
    open.delete(key);
  }
}

/** Rows per (event, list) the batch changes, by `event|list`: their deltas summed. */
export function checkinRows(
  checkins: readonly BatchCheckin[],
): Map<string, { eventId: string; listId: string; delta: CheckinDelta }> {
  const rows = new Map<string, { eventId: string; listId: string; delta: CheckinDelta }>();
  for (const { eventId, change } of checkins) {
    const key = `${eventId}|${change.listId}`;
    const row = rows.get(key) ?? { eventId, listId: change.listId, delta: { ...ZERO_CHECKIN } };
    row.delta.entered += change.delta.entered;
    row.delta.inside += change.delta.inside;
    rows.set(key, row);
  }
  return rows;
}
