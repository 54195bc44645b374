import type { Quota, TicketType, TicketTypeFields } from '@evently/contracts';
import { cappedBySeats } from '../bookings/free-seats.js';
import { heldForQueue, type QueueHolds } from '../bookings/waitlist-queue.js';
import type { QuotaRow } from './quotas.repository.js';
import type {
  EventRoom,
  SellingEvent,
  TicketTypePatch,
  TicketTypeRow,
} from './ticket-types.repository.js';

export type Availability = TicketType['availability'];

/** What a type's availability is worked out from: the event's free seats and its quotas' rooms. */
export interface Room {
  /** Undefined: the event is not on sale (not published), so nothing of it is available. */
  event: EventRoom | undefined;
  /** Free seats of each quota of the event, by id. */
  quotas: Map<string, number>;
  /** What the event's waitlist keeps from newcomers (its lines, the quotas they wait for). */
  queue: QueueHolds;
}

const NONE: Availability = { available: 0, soldOut: false };

/** A quota's free seats (never below 0). */
export const quotaRoom = (q: Pick<QuotaRow, 'size' | 'confirmed' | 'held'>): number =>
  Math.max(0, q.size - q.confirmed - q.held);

export function roomOf(
  event: SellingEvent,
  room: EventRoom | undefined,
  quotas: QuotaRow[],
  queue: QueueHolds,
): Room {
  return {
    event: event.status === 'published' ? room : undefined,
    quotas: new Map(quotas.map((q) => [q.id, quotaRoom(q)])),
    queue,
  };
}

/**
 * Seats of a type on sale now, as the allocator would count them: the least of the event's free
 * seats and each of its quotas'. While its waitlist line has anyone in it, or a waiting entry
 * keeps a quota of it (see bookings/waitlist-queue.ts), the seats are the queue's (the allocator
 * answers SOLD_OUT): sold out. An archived type, or a
 * type of an event not on sale, has none and is not "sold out" (it is not sold).
 */
export function availabilityOf(
  type: Pick<TicketTypeRow, 'id' | 'status'>,
  quotaIds: readonly string[],
  room: Room,
): Availability {
  if (!room.event || type.status !== 'active') return NONE;
  // As the allocator's rule 6: a quota a waiting entry is short of is kept from everyone; the
  // type's line and the event's hold are passed by what is left of the caller's contingent.
  const { queue } = room;
  if (heldForQueue({ ...queue, types: new Set(), event: false }, { id: type.id, quotaIds })) {
    return { available: 0, soldOut: true };
  }
  let available = Math.max(
    0,
    Math.min(room.event.free, ...quotaIds.map((id) => room.quotas.get(id) ?? 0)),
  );
  if (queue.event || queue.types.has(type.id)) {
    available = Math.min(available, room.event.contingent);
  }
  // A type sold with reserved seats: no more than its free seats.
  available = cappedBySeats(available, room.event.seats, type.id);
  return { available, soldOut: available === 0 };
}

export function toTicketType(
  row: TicketTypeRow,
  currency: string,
  availability: Availability,
): TicketType {
  return {
    id: row.id,
    eventId: row.event_id,
    name: row.name,
    description: row.description,
    priceCents: Number(row.price_cents),
    currency,
    minPerBooking: row.min_per_booking,
    maxPerBooking: row.max_per_booking,
    salesStartAt: row.sales_start_at?.toISOString() ?? null,
    salesEndAt: row.sales_end_at?.toISOString() ?? null,
    hidden: row.hidden,
    status: row.status,
    version: row.version,
    availability,
  };
}

/** The fields of a stored type, as a patch is merged onto them. */
export function toTicketTypeFields(row: TicketTypeRow): TicketTypeFields {
  const { availability: _, ...type } = toTicketType(row, '', NONE);
  return {
    name: type.name,
    description: type.description,
    priceCents: type.priceCents,
    minPerBooking: type.minPerBooking,
    maxPerBooking: type.maxPerBooking,
    salesStartAt: type.salesStartAt,
    salesEndAt: type.salesEndAt,
    hidden: type.hidden,
  };
}

export function toTicketTypeColumns(fields: Partial<TicketTypeFields>): TicketTypePatch {
  const patch: TicketTypePatch = {};
  if (fields.name !== undefined) patch.name = fields.name;
  if (fields.description !== undefined) patch.description = fields.description;
  if (fields.priceCents !== undefined) patch.price_cents = fields.priceCents;
  if (fields.minPerBooking !== undefined) patch.min_per_booking = fields.minPerBooking;
  if (fields.maxPerBooking !== undefined) patch.max_per_booking = fields.maxPerBooking;
  if (fields.salesStartAt !== undefined) patch.sales_start_at = fields.salesStartAt;
  if (fields.salesEndAt !== undefined) patch.sales_end_at = fields.salesEndAt;
  if (fields.hidden !== undefined) patch.hidden = fields.hidden;
  return patch;
}

/** What an audit row keeps of a type. */
export function auditedType(row: TicketTypeRow): object {
  const { availability: _, ...type } = toTicketType(row, '', NONE);
  const { currency: __, ...kept } = type;
  return kept;
}

export function toQuota(row: QuotaRow): Quota {
  return {
    id: row.id,
    eventId: row.event_id,
    name: row.name,
    size: row.size,
    ticketTypeIds: row.ticket_type_ids,
    confirmed: row.confirmed,
    held: row.held,
    available: quotaRoom(row),
    version: row.version,
  };
}

/** What an audit row keeps of a quota. */
export function auditedQuota(row: QuotaRow): object {
  const { available: _, ...kept } = toQuota(row);
  return kept;
}
