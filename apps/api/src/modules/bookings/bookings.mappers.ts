import type { Booking, WaitlistEntry } from '@evently/contracts';
import type { BookingRow, WaitlistRow } from './bookings.repository.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toBooking(row: BookingRow): Booking {
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

export function toWaitlistEntry(row: WaitlistRow, position: number | null = null): WaitlistEntry {
  return {
    id: row.id,
    eventId: row.event_id,
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
