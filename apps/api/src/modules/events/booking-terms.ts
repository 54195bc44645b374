import type { CancellationPolicy } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { policyOf } from './cancellation-policy.js';
import { eventsRepository } from './events.repository.js';

/** What the bookings module needs to know about an event to sell its seats. */
export interface BookingTerms {
  eventId: string;
  organizerId: string;
  /** The organization the event belongs to (its members act on it by their role). */
  organizationId: string;
  title: string;
  status: 'draft' | 'published' | 'cancelled' | 'completed';
  priceCents: number;
  currency: string;
  maxPerBooking: number;
  maxPerUser: number | null;
  /** Sales are open in [salesOpenAt, salesCloseAt). */
  salesOpenAt: Date | null;
  salesCloseAt: Date;
  /** The event row's version: a writer relying on these terms checks it has not moved. */
  version: number;
}

/** The event columns the terms are made of (for readers that join them into a query of their own). */
export type BookingTermsRow = Pick<
  Selectable<Database['events']>,
  | 'id'
  | 'organizer_id'
  | 'organization_id'
  | 'title'
  | 'status'
  | 'price_cents'
  | 'currency'
  | 'max_per_booking'
  | 'max_per_user'
  | 'sales_start_at'
  | 'sales_end_at'
  | 'starts_at'
  | 'version'
>;

export function toBookingTerms(row: BookingTermsRow): BookingTerms {
  return {
    eventId: row.id,
    organizerId: row.organizer_id,
    organizationId: row.organization_id,
    title: row.title,
    status: row.status,
    priceCents: Number(row.price_cents),
    currency: row.currency,
    maxPerBooking: row.max_per_booking,
    maxPerUser: row.max_per_user,
    salesOpenAt: row.sales_start_at,
    // Without an explicit end, sales close when the event starts.
    salesCloseAt: row.sales_end_at ?? row.starts_at,
    version: row.version,
  };
}

/**
 * The events module's answer to "can this event be booked, and on what terms". Read inside the
 * caller's transaction so a booking decision and the event it relies on are one snapshot.
 */
export async function readBookingTerms(
  db: Kysely<Database> | Transaction<Database>,
  eventId: string,
): Promise<BookingTerms | undefined> {
  const row = await eventsRepository.find(db, eventId);
  return row && toBookingTerms(row);
}

export function isOnSale(terms: BookingTerms, now: Date): boolean {
  return (
    terms.status === 'published' &&
    (terms.salesOpenAt === null || terms.salesOpenAt.getTime() <= now.getTime()) &&
    now.getTime() < terms.salesCloseAt.getTime()
  );
}

/** The event's cancellation policy (null: attendees cancel any time and get everything back). */
export async function readCancellationPolicy(
  db: Kysely<Database> | Transaction<Database>,
  eventId: string,
): Promise<CancellationPolicy | null> {
  const row = await db
    .selectFrom('events')
    .select('cancellation_policy')
    .where('id', '=', eventId)
    .executeTakeFirst();
  return policyOf(row?.cancellation_policy ?? null);
}
