import type { Booking, Event, Ticket, WaitlistEntry } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Transaction } from 'kysely';

/**
 * What the webhooks consumer reads from the modules that own the facts, inside its delivery
 * transaction: each resource as the API answers it (its public DTO), or undefined when it is
 * gone. Wired by the composition root; this module imports none of theirs.
 */
export interface WebhookSources {
  /** The organization an event belongs to (which webhooks hear of it). */
  organizationOf(trx: Transaction<Database>, eventId: string): Promise<string | undefined>;
  /** As `events.get` answers it, availability included. */
  event(trx: Transaction<Database>, eventId: string): Promise<Event | undefined>;
  /** As `bookings.get` answers it, with its lines. */
  booking(trx: Transaction<Database>, bookingId: string): Promise<Booking | undefined>;
  waitlistEntry(trx: Transaction<Database>, entryId: string): Promise<WaitlistEntry | undefined>;
  /** As `tickets.forBooking` answers it, its code signed. */
  ticket(trx: Transaction<Database>, ticketId: string): Promise<Ticket | undefined>;
}
