import type { Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import { type InventoryCounts, inventoryRepository } from './inventory.repository.js';
import { heldBackSeats, typeSale } from './order-pricing.js';
import type { QuotaState, TicketTypeState, VoucherState } from './order-snapshot.js';
import type { Selling } from './selling.repository.js';
import {
  heldForQueue,
  type QueueHolds,
  type QueueRoom,
  type QueueType,
  queueHolds,
} from './waitlist-queue.js';
import { waitlistQueueRepository as queueRepo } from './waitlist-queue.repository.js';

// The waitlist's rule (waitlist-queue.ts) over an event's selling snapshot: the seats free for
// the queue, and what a newcomer may book of each type while people wait.

/** The types of a snapshot as their lines see them. */
export function queueTypesOf(
  types: readonly TicketTypeState[],
  now: Date,
): Map<string, QueueType & { priceCents: number }> {
  return new Map(
    types.map((t) => [
      t.id,
      { id: t.id, quotaIds: t.quotaIds, sale: typeSale(t, now), priceCents: t.priceCents },
    ]),
  );
}

/** Free seats for the queue: offers carry no voucher, so every contingent is held back. */
export function queueRoomOf(
  inventory: InventoryCounts,
  quotas: ReadonlyMap<string, QuotaState>,
  vouchers: ReadonlyMap<string, VoucherState>,
  now: Date,
): QueueRoom {
  const free = inventory.capacity - inventory.confirmed - inventory.held;
  return {
    event: Math.max(0, free - heldBackSeats(vouchers.values(), now)),
    quotas: new Map(
      [...quotas.values()].map((q) => [q.id, Math.max(0, q.size - q.confirmed - q.held)]),
    ),
  };
}

/** An event's queue as a newcomer meets it. */
export interface QueueStanding {
  selling: Selling;
  room: QueueRoom;
  holds: QueueHolds;
  /** Entries waiting in each type's line. */
  waiting: Map<string, number>;
}

export async function queueStanding(
  db: Kysely<Database> | Transaction<Database>,
  eventId: string,
  inventory: InventoryCounts,
  now: Date,
): Promise<QueueStanding> {
  const [selling, lines] = await Promise.all([
    queueRepo.selling(db, eventId, now),
    queueRepo.heads(db, eventId),
  ]);
  const room = queueRoomOf(inventory, selling.quotas, selling.vouchers, now);
  const holds = queueHolds(lines.heads, queueTypesOf(selling.ticketTypes, now), room);
  return { selling, room, holds, waiting: lines.waiting };
}

/** Seats of a type a newcomer (with no voucher) may book now: none while the queue keeps them. */
export function openSeats(standing: QueueStanding, type: TicketTypeState): number {
  if (heldForQueue(standing.holds, type)) return 0;
  const quotas = type.quotaIds.map((q) => standing.room.quotas.get(q) ?? 0);
  return Math.max(0, Math.min(standing.room.event, ...quotas));
}

/** What an event's waitlist keeps from newcomers now (nothing before it has an inventory). */
export async function waitlistHolds(
  db: Kysely<Database>,
  eventId: string,
  now: Date,
): Promise<QueueHolds> {
  const inventory = await inventoryRepository.find(db, eventId);
  if (!inventory) return { types: new Set(), quotas: new Set(), event: false };
  return (await queueStanding(db, eventId, inventory, now)).holds;
}
