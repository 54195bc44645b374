import type { Event, EventFields } from '@evently/contracts';
import type { Availability } from '../bookings/inventory.service.js';
import { policyColumn, policyOf } from './cancellation-policy.js';
import type { EventPatch, EventRow } from './events.repository.js';

/** An event as cached: everything but the live availability. */
export type EventCore = Omit<Event, 'availability'>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toEventCore(row: EventRow): EventCore {
  return {
    id: row.id,
    status: row.status,
    organizerId: row.organizer_id,
    organizationId: row.organization_id,
    title: row.title,
    description: row.description,
    venue: row.venue,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    capacity: row.capacity,
    priceCents: Number(row.price_cents),
    currency: row.currency,
    maxPerBooking: row.max_per_booking,
    maxPerUser: row.max_per_user,
    salesStartAt: iso(row.sales_start_at),
    salesEndAt: iso(row.sales_end_at),
    cancellationPolicy: policyOf(row.cancellation_policy),
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    publishedAt: iso(row.published_at),
    cancelledAt: iso(row.cancelled_at),
    cancelReason: row.cancel_reason,
  };
}

export function toEventFields(core: EventCore): EventFields {
  const { title, description, venue, startsAt, endsAt, capacity, priceCents, currency } = core;
  return {
    title,
    description,
    venue,
    startsAt,
    endsAt,
    capacity,
    priceCents,
    currency,
    maxPerBooking: core.maxPerBooking,
    maxPerUser: core.maxPerUser,
    salesStartAt: core.salesStartAt,
    salesEndAt: core.salesEndAt,
    cancellationPolicy: core.cancellationPolicy,
  };
}

/** Only a published event has seats on sale; the rest show none. */
export function withAvailability(core: EventCore, live: Availability | undefined): Event {
  const availability =
    core.status === 'published' && live ? live : { available: 0, soldOut: false };
  return { ...core, availability };
}

export function toColumns(fields: Partial<EventFields>): EventPatch {
  const patch: EventPatch = {};
  if (fields.title !== undefined) patch.title = fields.title;
  if (fields.description !== undefined) patch.description = fields.description;
  if (fields.venue !== undefined) patch.venue = fields.venue;
  if (fields.startsAt !== undefined) patch.starts_at = fields.startsAt;
  if (fields.endsAt !== undefined) patch.ends_at = fields.endsAt;
  if (fields.capacity !== undefined) patch.capacity = fields.capacity;
  if (fields.priceCents !== undefined) patch.price_cents = fields.priceCents;
  if (fields.currency !== undefined) patch.currency = fields.currency;
  if (fields.maxPerBooking !== undefined) patch.max_per_booking = fields.maxPerBooking;
  if (fields.maxPerUser !== undefined) patch.max_per_user = fields.maxPerUser;
  if (fields.salesStartAt !== undefined) patch.sales_start_at = fields.salesStartAt;
  if (fields.salesEndAt !== undefined) patch.sales_end_at = fields.salesEndAt;
  if (fields.cancellationPolicy !== undefined)
    patch.cancellation_policy = policyColumn(fields.cancellationPolicy);
  return patch;
}
