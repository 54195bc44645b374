import type { Database } from '@evently/db';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { MailBookingLines } from './mail/mail-template.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * What a booking was sold as, for its mails: its items with their ticket type's name in position
 * order, its currency, and the code of the voucher redeemed (kept once the use is given back, so
 * a cancellation mail still names it), and each line's reserved seats. One read-only statement
 * over the bookings, ticket types, vouchers and seating modules' tables, like the other lookups of mail-recipients.queries.ts. Undefined
 * when the booking has no line (or is gone).
 */
export async function mailedBookingLines(
  db: Db,
  bookingId: string,
): Promise<MailBookingLines | undefined> {
  const rows = await db
    .selectFrom('booking_items as i')
    .innerJoin('bookings as b', 'b.id', 'i.booking_id')
    .innerJoin('ticket_types as t', 't.id', 'i.ticket_type_id')
    .leftJoin('voucher_redemptions as r', 'r.booking_id', 'i.booking_id')
    .leftJoin('vouchers as v', 'v.id', 'r.voucher_id')
    .select([
      'b.currency',
      't.name',
      'i.quantity',
      'i.unit_price_cents',
      'i.discount_cents',
      'i.total_cents',
      'v.code as voucher_code',
      // The seats its booking holds (or held, once it ended), in plan order.
      sql<Array<{ section: string; row: string; label: string }> | null>`(SELECT json_agg(
          json_build_object('section', s.section_name, 'row', s.row_label, 'label', s.label)
          ORDER BY s.section_key, s.row_key, s.position)
        FROM seats s WHERE s.ticket_type_id = i.ticket_type_id
          AND s.id IN (SELECT a.seat_id FROM seat_allocations a WHERE a.booking_id = i.booking_id))`.as(
        'seats',
      ),
    ])
    .where('i.booking_id', '=', bookingId)
    .orderBy('i.position')
    .orderBy('i.id')
    .execute();
  const [first] = rows;
  if (!first) return undefined;
  return {
    currency: first.currency,
    voucherCode: first.voucher_code,
    items: rows.map((row) => ({
      name: row.name,
      quantity: row.quantity,
      unitPriceCents: Number(row.unit_price_cents),
      discountCents: Number(row.discount_cents),
      totalCents: Number(row.total_cents),
      ...(row.seats ? { seats: row.seats } : {}),
    })),
  };
}
