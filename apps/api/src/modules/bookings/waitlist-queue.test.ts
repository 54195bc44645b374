import { describe, expect, it } from 'vitest';
import {
  heldForQueue,
  planQueue,
  type QueuedEntry,
  type QueueType,
  queueHolds,
  type TypeSale,
} from './waitlist-queue.js';

// A hall of 300 standing (quota S) shared by Regular and Early bird, Early bird alone capped at
// 50 (quota E); VIP in its own quota of 20.
const type = (id: string, quotaIds: string[], sale: TypeSale = 'open'): QueueType => ({
  id,
  quotaIds,
  sale,
});
const types = (...list: QueueType[]) => new Map(list.map((t) => [t.id, t]));
const HALL = types(type('regular', ['S']), type('early', ['S', 'E']), type('vip', ['V']));
const room = (event: number, quotas: Record<string, number>) => ({
  event,
  quotas: new Map(Object.entries(quotas)),
});
let n = 0;
const entry = (ticketTypeId: string, quantity: number, userId = `u${++n}`) => ({
  id: `e${n}`,
  ticketTypeId,
  userId,
  quantity,
});
const ids = (entries: readonly { id: string }[]) => entries.map((e) => e.id);

describe('planQueue', () => {
  it('serves every line in join order while the quotas of each type have room', () => {
    const queue = [entry('early', 2), entry('vip', 3), entry('regular', 1), entry('vip', 1)];
    const plan = planQueue(queue, HALL, room(10, { S: 3, E: 5, V: 4 }));
    expect(ids(plan.offers)).toEqual(ids(queue));
    expect(plan.holds).toEqual({ types: new Set(), quotas: new Set(), event: false });
  });

  it('an entry short of a quota keeps it: later entries in that quota wait, other quotas sell', () => {
    // Early bird wants 3 of E's 2: E is kept for it; Regular (S only) and VIP still get offers.
    const queue = [entry('early', 3), entry('regular', 2), entry('early', 1), entry('vip', 2)];
    const plan = planQueue(queue, HALL, room(20, { S: 10, E: 2, V: 5 }));
    expect(ids(plan.offers)).toEqual(ids([queue[1], queue[3]].flatMap((e) => (e ? [e] : []))));
    expect(plan.holds).toEqual({ types: new Set(['early']), quotas: new Set(['E']), event: false });
    // A newcomer: Regular sells (S is not kept), Early bird and anything in E do not.
    expect(heldForQueue(plan.holds, type('regular', ['S']))).toBe(false);
    expect(heldForQueue(plan.holds, type('early', ['S', 'E']))).toBe(true);
    expect(heldForQueue(plan.holds, type('vip', ['V']))).toBe(false);
  });

  it('an entry short of a shared quota keeps it from the other types in it', () => {
    const queue = [entry('regular', 4), entry('early', 1), entry('vip', 1)];
    const plan = planQueue(queue, HALL, room(20, { S: 3, E: 10, V: 5 }));
    expect(ids(plan.offers)).toEqual([queue[2]?.id]);
    expect(plan.holds.quotas).toEqual(new Set(['S']));
    expect(plan.holds.types).toEqual(new Set(['regular', 'early']));
    expect(heldForQueue(plan.holds, type('early', ['S', 'E']))).toBe(true);
  });

  it('an entry short of the event keeps everything (Part 1: the head keeps the freed seats)', () => {
    const queue = [entry('vip', 3), entry('regular', 1)];
    const plan = planQueue(queue, HALL, room(2, { S: 10, E: 10, V: 10 }));
    expect(plan.offers).toEqual([]);
    expect(plan.holds.event).toBe(true);
    expect(heldForQueue(plan.holds, type('other', []))).toBe(true);
  });

  it('a type not on sale yet waits without keeping seats; one no longer sold is closed', () => {
    const hall = types(
      type('regular', ['S']),
      type('late', ['S'], 'later'),
      type('gone', [], 'over'),
    );
    const queue = [entry('late', 2), entry('gone', 1), entry('regular', 2)];
    const plan = planQueue(queue, hall, room(10, { S: 10 }));
    expect(ids(plan.offers)).toEqual([queue[2]?.id]);
    expect(ids(plan.unsold)).toEqual([queue[1]?.id]);
    expect(plan.holds).toEqual({ types: new Set(['late']), quotas: new Set(), event: false });
    // An entry of a type that is gone (deleted with its event's types) is closed too.
    expect(ids(planQueue([entry('nowhere', 1)], hall, room(10, {})).unsold)).toHaveLength(1);
  });

  it('an offer that would take its user over maxPerUser is passed over, the next one served', () => {
    const queue = [entry('regular', 3, 'ann'), entry('vip', 2, 'bob'), entry('vip', 2, 'ann')];
    const plan = planQueue(queue, HALL, room(10, { S: 10, E: 10, V: 10 }), {
      maxPerUser: 4,
      owned: new Map([['bob', 1]]),
    });
    // Ann's first offer (3) leaves room for only 1 more of her own: her VIP entry is closed.
    expect(ids(plan.offers)).toEqual([queue[0]?.id, queue[1]?.id]);
    expect(plan.overLimit).toEqual([{ entry: queue[2], owned: 3 }]);
    // An entry over the limit that would not fit anyway waits (its user may cancel meanwhile).
    const short = planQueue([entry('vip', 5, 'bob')], HALL, room(10, { S: 10, E: 10, V: 4 }), {
      maxPerUser: 4,
      owned: new Map(),
    });
    expect(short.overLimit).toEqual([]);
    expect(short.holds.quotas).toEqual(new Set(['V']));
  });
});

describe('queueHolds (the allocator: heads only)', () => {
  it('a head that fits now is still waiting: its type and the event are held until it is offered', () => {
    const heads: QueuedEntry[] = [entry('vip', 1)];
    const holds = queueHolds(heads, HALL, room(10, { S: 10, E: 10, V: 10 }));
    expect(holds.types).toEqual(new Set(['vip']));
    expect(holds.event).toBe(true);
  });

  it('no one waiting holds nothing', () => {
    expect(queueHolds([], HALL, room(0, {}))).toEqual({
      types: new Set(),
      quotas: new Set(),
      event: false,
    });
  });
});
