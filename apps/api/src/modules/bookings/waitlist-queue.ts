// Who the waitlist serves when seats are free, and what it keeps from newcomers meanwhile: one
// pure rule, so that the offers, the allocator and the types' availability decide alike.
//
// Each ticket type has its own line, first come first served, and the lines are served together
// in join order: an entry is offered its seats when its type is on sale and every quota of its
// type (and the event) has room for all of them. An entry that does not fit keeps what it lacks:
// the quotas short of its quantity are held for it — no later entry and no newcomer of any type
// in those quotas takes their seats — and when the event itself is short, everything is held
// (Part 1's rule: the head keeps the freed seats until it fits). Seats in other quotas are sold
// as usual: an early-bird line waiting for its own small quota does not stop regular sales in
// the quota the two share.

/** How a type stands for its line: sold now, not yet (it may reopen), or never again. */
export type TypeSale = 'open' | 'later' | 'over';

export interface QueueType {
  id: string;
  /** Every quota a seat of this type counts against. */
  quotaIds: readonly string[];
  sale: TypeSale;
}

export interface QueuedEntry {
  ticketTypeId: string;
  userId: string;
  quantity: number;
}

/** Free seats now: the event's (less what vouchers' contingents hold back) and each quota's. */
export interface QueueRoom {
  event: number;
  quotas: ReadonlyMap<string, number>;
}

/** What the waiting entries keep from newcomers. */
export interface QueueHolds {
  /** Types someone waits for: a newcomer never passes the line of the type they want. */
  types: Set<string>;
  /** Quotas a waiting entry is short of: their seats are kept for it. */
  quotas: Set<string>;
  /** The event's free seats are kept (a waiting entry needs more than the event has free). */
  event: boolean;
}

export interface QueuePlan<E extends QueuedEntry> {
  /** Entries to be offered their seats now, in join order. */
  offers: E[];
  /** Entries whose offer would take their user over maxPerUser: closed, not offered. */
  overLimit: Array<{ entry: E; owned: number }>;
  /** Entries of a type no longer sold (archived, its sales ended): closed. */
  unsold: E[];
  /** What the entries left waiting keep. */
  holds: QueueHolds;
}

export interface QueueLimits {
  maxPerUser: number | null;
  /** Seats each user already holds or owns for the event. */
  owned: ReadonlyMap<string, number>;
}

const NO_LIMITS: QueueLimits = { maxPerUser: null, owned: new Map() };

/** Serves `entries` (the waiting ones, in join order) from `room`. */
export function planQueue<E extends QueuedEntry>(
  entries: readonly E[],
  types: ReadonlyMap<string, QueueType>,
  room: QueueRoom,
  limits: QueueLimits = NO_LIMITS,
): QueuePlan<E> {
  const plan: QueuePlan<E> = {
    offers: [],
    overLimit: [],
    unsold: [],
    holds: { types: new Set(), quotas: new Set(), event: false },
  };
  const { holds } = plan;
  let eventRoom = room.event;
  const quotaRoom = new Map(room.quotas);
  const owned = new Map(limits.owned);
  for (const entry of entries) {
    const type = types.get(entry.ticketTypeId);
    if (!type || type.sale === 'over') {
      plan.unsold.push(entry);
      continue;
    }
    // From here on the entry is offered, or it waits: its type has a line.
    const waits = () => holds.types.add(type.id);
    // Not on sale yet, or behind an earlier entry that keeps the seats it would take.
    if (type.sale === 'later' || holds.event || type.quotaIds.some((q) => holds.quotas.has(q))) {
      waits();
      continue;
    }
    const short = type.quotaIds.filter((q) => (quotaRoom.get(q) ?? 0) < entry.quantity);
    if (short.length > 0 || eventRoom < entry.quantity) {
      for (const q of short) holds.quotas.add(q);
      if (eventRoom < entry.quantity) holds.event = true;
      waits();
      continue;
    }
    const mine = owned.get(entry.userId) ?? 0;
    if (limits.maxPerUser !== null && mine + entry.quantity > limits.maxPerUser) {
      // The offer would take them over the limit (lowered since they joined, or their other
      // lines were served): closed, and the seats go to the next in line.
      plan.overLimit.push({ entry, owned: mine });
      continue;
    }
    eventRoom -= entry.quantity;
    for (const q of type.quotaIds) quotaRoom.set(q, (quotaRoom.get(q) ?? 0) - entry.quantity);
    owned.set(entry.userId, mine + entry.quantity);
    plan.offers.push(entry);
  }
  return plan;
}

/**
 * What the queue keeps from direct sales, decided over the head of each type's line (the
 * allocator reads only those). Heads the rule would serve now are still waiting (the offers are
 * made when seats are released, or by the scheduled `serve-waitlists` job): until then their
 * seats are theirs, so the event is held too.
 */
export function queueHolds(
  heads: readonly QueuedEntry[],
  types: ReadonlyMap<string, QueueType>,
  room: QueueRoom,
): QueueHolds {
  const plan = planQueue(heads, types, room);
  const holds = plan.holds;
  for (const head of plan.offers) holds.types.add(head.ticketTypeId);
  if (plan.offers.length > 0) holds.event = true;
  return holds;
}

/** Whether the queue keeps a type's seats from a newcomer. */
export function heldForQueue(holds: QueueHolds, type: Pick<QueueType, 'id' | 'quotaIds'>): boolean {
  return holds.event || holds.types.has(type.id) || type.quotaIds.some((q) => holds.quotas.has(q));
}
