import type { Database } from '@evently/db';
import type { Transaction } from 'kysely';

/** The name of the one ticket type a Part 1 event sells. */
export const GENERAL_ADMISSION = 'General admission';

/** The event columns its General admission type mirrors. */
interface SoldAs {
  id: string;
  price_cents: number | string;
  max_per_booking: number;
}

/**
 * Every event sells typed tickets (`ticket_types`); an event made through Part 1's calls sells
 * one, General admission, at the event's price and per-booking limit, and every booking is one
 * line of it (`booking_items`). The type follows the event's price and limit until ticket types
 * are managed on their own.
 */
export const generalAdmission = {
  async create(trx: Transaction<Database>, event: SoldAs, at: Date): Promise<void> {
    await trx
      .insertInto('ticket_types')
      .values({
        event_id: event.id,
        name: GENERAL_ADMISSION,
        price_cents: event.price_cents,
        max_per_booking: event.max_per_booking,
        created_at: at,
        updated_at: at,
      })
      .execute();
  },

  async follow(trx: Transaction<Database>, event: SoldAs, at: Date): Promise<void> {
    await trx
      .updateTable('ticket_types')
      .set((eb) => ({
        price_cents: event.price_cents,
        max_per_booking: event.max_per_booking,
        version: eb('version', '+', 1),
        updated_at: at,
      }))
      .where('event_id', '=', event.id)
      .where('name', '=', GENERAL_ADMISSION)
      .execute();
  },
};
