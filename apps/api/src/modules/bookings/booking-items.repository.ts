import type { BookingItem } from '@evently/contracts';
import type { Database } from '@evently/db';
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';

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

/** What a booking was sold as: its lines in order and the voucher code it was booked with. */
export interface BookingLines {
  items: BookingItem[];
  /** Null: booked without a voucher. */
  voucherCode: string | null;
}

/**
 * The lines of each of `bookingIds`, in one statement: the items with their type's name, in
 * position order, and the code of the voucher redeemed (kept once the use is given back). A
 * booking with no line is absent from the map.
 */
export async function bookingLines(
  db: Kysely<Database> | Transaction<Database>,
  bookingIds: readonly string[],
): Promise<Map<string, BookingLines>> {
  const lines = new Map<string, BookingLines>();
  if (bookingIds.length === 0) return lines;
  const rows = await db
    .selectFrom('booking_items as i')
    .innerJoin('ticket_types as t', 't.id', 'i.ticket_type_id')
    .leftJoin('voucher_redemptions as r', 'r.booking_id', 'i.booking_id')
    .leftJoin('vouchers as v', 'v.id', 'r.voucher_id')
    .select([
      'i.booking_id',
      'i.ticket_type_id',
      't.name',
      'i.quantity',
      'i.unit_price_cents',
      'i.discount_cents',
      'i.total_cents',
      'v.code as voucher_code',
    ])
    .where('i.booking_id', 'in', bookingIds)
    .orderBy('i.booking_id')
    .orderBy('i.position')
    .orderBy('i.id')
    .execute();
  for (const row of rows) {
    let booking = lines.get(row.booking_id);
    if (!booking) {
      booking = { items: [], voucherCode: row.voucher_code };
      lines.set(row.booking_id, booking);
    }
    booking.items.push({
      ticketTypeId: row.ticket_type_id,
      name: row.name,
      quantity: row.quantity,
      unitPriceCents: Number(row.unit_price_cents),
      discountCents: Number(row.discount_cents),
      totalCents: Number(row.total_cents),
    });
  }
  return lines;
}
