import type { BookedSeat, BookingItem } from '@evently/contracts';
import type { Database } from '@evently/db';
import { type Kysely, sql, type Transaction } from 'kysely';

/** What a booking was sold as: its lines in order and the voucher code it was booked with. */
export interface BookingLines {
  items: BookingItem[];
  /** Null: booked without a voucher. */
  voucherCode: string | null;
}

/**
 * The lines of each of `bookingIds`, in one statement: the items with their type's name, in
 * position order, each with the reserved seats its booking holds (or held, once it ended), and
 * the code of the voucher redeemed (kept once the use is given back). A booking with no line is
 * absent from the map.
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
      sql<BookedSeat[] | null>`(SELECT json_agg(json_build_object('seatId', s.id,
          'section', s.section_name, 'row', s.row_label, 'label', s.label)
          ORDER BY s.section_key, s.row_key, s.position)
        FROM seats s WHERE s.ticket_type_id = i.ticket_type_id
          AND s.id IN (SELECT a.seat_id FROM seat_allocations a WHERE a.booking_id = i.booking_id))`.as(
        'seats',
      ),
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
      ...(row.seats ? { seats: row.seats } : {}),
    });
  }
  return lines;
}
