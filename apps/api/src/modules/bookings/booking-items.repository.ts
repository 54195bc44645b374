import { type RawBuilder, sql } from 'kysely';

/**
 * The line of each of `bookings` (id, event_id, quantity, unit_price_cents, total_cents): all of
 * it, at its unit price, of its event's first ticket type.
 */
export function bookingItemsOf(bookings: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`INSERT INTO booking_items (booking_id, ticket_type_id, position, quantity,
      unit_price_cents, discount_cents, total_cents)
    SELECT b.id, t.id, 0, b.quantity, b.unit_price_cents, 0, b.total_cents
    FROM ${bookings} b
    CROSS JOIN LATERAL (SELECT tt.id FROM ticket_types tt WHERE tt.event_id = b.event_id
      ORDER BY tt.position, tt.created_at, tt.id LIMIT 1) t`;
}
