import type { Booking, Page } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import { keysetPage } from '../../kernel/page.js';
import { bookingLines } from './booking-items.repository.js';
import { toBookingWithLines } from './bookings.mappers.js';
import type { BookingRow } from './bookings.repository.js';

// The bookings procedures' answers: each booking with its lines, read in one statement per
// answer (see `bookingLines`), whatever the number of bookings in it. (`bookings.create` answers
// a booking its batch wrote from the lines the decision priced: no read on the hot path.)

/** One booking as the API answers it. */
export async function answerBooking(db: Kysely<Database>, row: BookingRow): Promise<Booking> {
  const lines = await bookingLines(db, [row.id]);
  return toBookingWithLines(row, lines.get(row.id));
}

/**
 * A page of bookings newest first, by (createdAt, id), from rows read with `limit + 1` (see
 * `keysetPage`): only the rows it shows have their lines read.
 */
export async function answerBookingPage(
  db: Kysely<Database>,
  rows: readonly BookingRow[],
  limit: number,
): Promise<Page<Booking>> {
  const shown = rows.slice(0, limit).map((r) => r.id);
  const lines = await bookingLines(db, shown);
  return keysetPage(rows, limit, {
    item: (row) => toBookingWithLines(row, lines.get(row.id)),
    sortKey: (row) => ({ c: row.created_at.toISOString(), i: row.id }),
  });
}
