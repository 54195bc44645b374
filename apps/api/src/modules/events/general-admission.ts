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
 * line of it (`booking_items`). The type follows the event's price and limit for as long as it
 * mirrors them: once a manager priced or limited it on its own (ticketTypes.update), an event
 * update no longer overwrites that.
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

  /** `before` is the event as it was: the type follows only while it still mirrors that. */
  async follow(
    trx: Transaction<Database>,
    before: Omit<SoldAs, 'id'>,
    event: SoldAs,
    at: Date,
  ): Promise<void> {
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
      .where('price_cents', '=', String(before.price_cents))
      .where('max_per_booking', '=', before.max_per_booking)
      .execute();
  },
};
