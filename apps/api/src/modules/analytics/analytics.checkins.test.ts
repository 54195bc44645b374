import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '@evently/contracts';
import { describe, expect, it } from 'vitest';
import {
  type BatchCheckin,
  type CheckinMove,
  checkinRows,
  creditFirstEntries,
  enteredPairs,
  listDelta,
} from './analytics.checkins.js';
import { project, ZERO_STATS } from './analytics.projector.js';

const eventId = randomUUID();
/** Ids in a known order (the pairs' lock order is by list, then ticket). */
const idFrom = (first: string) => `${first}${randomUUID().slice(1)}`;
const door = idFrom('1');
const garden = idFrom('2');
const anna = idFrom('a');
const ben = idFrom('b');

const checkedIn = (listId: string, ticketId: string, direction: 'entry' | 'exit'): DomainEvent => ({
  id: randomUUID(),
  version: 1,
  occurredAt: new Date().toISOString(),
  topic: 'ticket.checked_in',
  payload: {
    ticketId,
    bookingId: randomUUID(),
    eventId,
    userId: randomUUID(),
    listId,
    direction,
    gate: null,
    at: new Date().toISOString(),
  },
});

const batchOf = (moves: CheckinMove[]): BatchCheckin[] =>
  moves.map((move) => ({ eventId, move, change: listDelta(move) }));

describe('check-in figures (pure)', () => {
  it('projects a scan as a move of its list alone, shown only to its event', () => {
    const change = project(checkedIn(door, anna, 'exit'));
    expect(change).toMatchObject({
      eventId,
      stats: ZERO_STATS,
      checkin: { listId: door, ticketId: anna, direction: 'exit' },
      live: 'detail',
      lines: null,
      series: [],
    });
  });

  it('counts a ticket entered once per list, on its earliest entry the batch marked', () => {
    const [d, g, a, b] = [door, garden, anna, ben];
    const batch = batchOf([
      { listId: g, ticketId: a, direction: 'entry' },
      { listId: g, ticketId: a, direction: 'exit' },
      { listId: g, ticketId: a, direction: 'entry' },
      { listId: d, ticketId: b, direction: 'entry' },
      { listId: d, ticketId: a, direction: 'entry' },
    ]);
    // Each pair once, in key order (list, then ticket).
    expect(enteredPairs(batch)).toEqual([
      { listId: d, ticketId: a },
      { listId: d, ticketId: b },
      { listId: g, ticketId: a },
    ]);
    // Anna was marked at the door by an earlier batch: only the garden and Ben are new.
    creditFirstEntries(batch, [
      { listId: d, ticketId: b },
      { listId: g, ticketId: a },
    ]);
    expect(batch.map((c) => c.change.delta)).toEqual([
      { entered: 1, inside: 1 },
      { entered: 0, inside: -1 },
      { entered: 0, inside: 1 },
      { entered: 1, inside: 1 },
      { entered: 0, inside: 1 },
    ]);
    expect([...checkinRows(batch).values()]).toEqual([
      { eventId, listId: g, delta: { entered: 1, inside: 1 } },
      { eventId, listId: d, delta: { entered: 1, inside: 2 } },
    ]);
  });
});
