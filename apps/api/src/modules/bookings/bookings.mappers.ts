import type { AuditEntry, Booking, WaitlistEntry } from '@evently/contracts';
import type { BookingLines } from './booking-items.repository.js';
import type { AuditRow, BookingRow, WaitlistRow } from './bookings.repository.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** A booking's own fields, without its lines: what its audit rows record. */
export type BookingRecord = Omit<Booking, 'items' | 'voucherCode'>;

export function toBooking(row: BookingRow): BookingRecord {
  return {
    id: row.id,
    eventId: row.event_id,
    userId: row.user_id,
    quantity: row.quantity,
    status: row.status,
    unitPriceCents: Number(row.unit_price_cents),
    totalCents: Number(row.total_cents),
    currency: row.currency,
    expiresAt: row.status === 'pending' ? iso(row.expires_at) : null,
    createdAt: row.created_at.toISOString(),
    confirmedAt: iso(row.confirmed_at),
    cancelledAt: iso(row.cancelled_at),
    waitlistEntryId: row.waitlist_entry_id,
  };
}

/** A booking as the API answers it: its fields and its lines (none read: none shown). */
export function toBookingWithLines(row: BookingRow, lines: BookingLines | undefined): Booking {
  return {
    ...toBooking(row),
    items: lines?.items ?? [],
    voucherCode: lines?.voucherCode ?? null,
  };
}

/**
 * A waitlist entry as the API shows it. `position` is the live place in line the repository
 * counted (read with the row); a row read without it, or not waiting, has none.
 */
export function toWaitlistEntry(
  row: WaitlistRow & { position?: string | number | null },
): WaitlistEntry {
  const position =
    row.position === undefined || row.position === null ? null : Number(row.position);
  return {
    id: row.id,
    eventId: row.event_id,
    ticketTypeId: row.ticket_type_id,
    userId: row.user_id,
    quantity: row.quantity,
    status: row.status,
    position,
    offerBookingId: row.offer_booking_id,
    offerExpiresAt: row.status === 'offered' ? iso(row.offer_expires_at) : null,
    createdAt: row.created_at.toISOString(),
  };
}

/** The payload fields every booking domain event carries. */
export function bookingRef(row: BookingRow) {
  return {
    bookingId: row.id,
    eventId: row.event_id,
    userId: row.user_id,
    quantity: row.quantity,
    unitPriceCents: Number(row.unit_price_cents),
    totalCents: Number(row.total_cents),
    currency: row.currency,
  };
}

/** The payload fields every waitlist domain event carries. */
export function waitlistRef(row: WaitlistRow) {
  return {
    entryId: row.id,
    eventId: row.event_id,
    userId: row.user_id,
    quantity: row.quantity,
    ticketTypeId: row.ticket_type_id,
  };
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    entity: row.entity,
    entityId: row.entity_id,
    action: row.action,
    actorId: row.actor_id,
    actorApiKeyId: row.actor_api_key_id,
    before: row.before,
    after: row.after,
    at: row.at.toISOString(),
  };
}
