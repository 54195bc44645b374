import type { Booking, WaitlistEntry } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Transaction } from 'kysely';
import { bookingLines } from './booking-items.repository.js';
import { toBookingWithLines, toWaitlistEntry } from './bookings.mappers.js';
import { bookingsRepository as repo } from './bookings.repository.js';

/**
 * A booking and a waitlist entry as the API answers them, read inside another module's
 * transaction (the webhooks consumer builds its payloads there); undefined when gone.
 */
export const bookingSnapshots = {
  async booking(trx: Transaction<Database>, bookingId: string): Promise<Booking | undefined> {
    const row = await repo.findBooking(trx, bookingId);
    if (!row) return undefined;
    const lines = await bookingLines(trx, [row.id]);
    return toBookingWithLines(row, lines.get(row.id));
  },

  async waitlistEntry(
    trx: Transaction<Database>,
    entryId: string,
  ): Promise<WaitlistEntry | undefined> {
    const row = await repo.findEntryWithPosition(trx, entryId);
    return row && toWaitlistEntry(row);
  },
};
