import type { Database } from '@evently/db';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { CancelledBooking } from './mail/templates/event-cancelled.mail.js';
import { EVENT_REMINDER_TEMPLATE } from './mail/templates/event-reminder.mail.js';
import { REMINDER_SOURCE } from './outgoing-mail.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Who a mail goes to and what it is about, read from the bookings, waitlist, users and events
 * tables. Read-only
 * queries of other modules' tables: a deliberate exception to "a module reads another's data
 * through its service", because the fan-out mails need joins (attendees with their addresses,
 * bookings due a reminder that have none yet) that a per-row service call would turn into N+1.
 */

/**
 * Must match what the bookings module writes when it cancels bookings because their event was
 * cancelled (bookings.service `onEventCancelled`).
 */
const EVENT_CANCELLED_REASON = 'event cancelled';

/** The person a booking or waitlist mail goes to; undefined once the account is gone. */
export function recipientOf(
  db: Db,
  userId: string,
): Promise<{ id: string; email: string; name: string } | undefined> {
  return db
    .selectFrom('users')
    .select(['id', 'email', 'name'])
    .where('id', '=', userId)
    .executeTakeFirst();
}

/** What a mail says about an event, and what decides which mail it is; undefined once deleted. */
export interface MailedEvent {
  id: string;
  title: string;
  venue: string;
  starts_at: Date;
  status: string;
  cancelled_at: Date | null;
  cancel_reason: string | null;
  updated_at: Date;
}

export function mailedEvent(db: Db, eventId: string): Promise<MailedEvent | undefined> {
  return db
    .selectFrom('events')
    .select([
      'id',
      'title',
      'venue',
      'starts_at',
      'status',
      'cancelled_at',
      'cancel_reason',
      'updated_at',
    ])
    .where('id', '=', eventId)
    .executeTakeFirst();
}

/** Everyone holding seats for the event now (pending or confirmed), with their seat count. */
export async function attendeesOf(
  trx: Db,
  eventId: string,
): Promise<{ userId: string; email: string; name: string; seats: number }[]> {
  const rows = await trx
    .selectFrom('bookings as b')
    .innerJoin('users as u', 'u.id', 'b.user_id')
    .select([
      'u.id as userId',
      'u.email',
      'u.name',
      (eb) => eb.fn.sum<string>('b.quantity').as('seats'),
    ])
    .where('b.event_id', '=', eventId)
    .where('b.status', 'in', ['pending', 'confirmed'])
    .groupBy(['u.id', 'u.email', 'u.name'])
    .orderBy('u.id')
    .execute();
  return rows.map((r) => ({ ...r, seats: Number(r.seats) }));
}

/**
 * What one person lost when the event was cancelled: the bookings and holds its cancellation
 * ended, and the waitlist entries closed since (an entry passed over before stays out).
 */
export async function cancellationLossesOf(
  trx: Db,
  eventId: string,
  userId: string,
  cancelledAt: Date,
): Promise<{ bookings: CancelledBooking[]; waitlist: { quantity: number }[] }> {
  const [bookings, entries] = await Promise.all([
    trx
      .selectFrom('bookings')
      .select(['id', 'quantity', 'total_cents', 'currency', 'confirmed_at'])
      .where('event_id', '=', eventId)
      .where('user_id', '=', userId)
      .where('status', '=', 'cancelled')
      .where('cancel_reason', '=', EVENT_CANCELLED_REASON)
      .orderBy('created_at')
      .execute(),
    trx
      .selectFrom('waitlist_entries')
      .select('quantity')
      .where('event_id', '=', eventId)
      .where('user_id', '=', userId)
      .where('status', '=', 'closed')
      .where('updated_at', '>=', cancelledAt)
      .orderBy('join_seq')
      .execute(),
  ]);
  return {
    bookings: bookings.map((b) => ({
      bookingId: b.id,
      quantity: b.quantity,
      totalCents: Number(b.total_cents),
      currency: b.currency,
      wasConfirmed: b.confirmed_at !== null,
    })),
    waitlist: entries,
  };
}

export interface DueReminder {
  bookingId: string;
  quantity: number;
  userId: string;
  email: string;
  name: string;
  title: string;
  venue: string;
  startsAt: Date;
}

/**
 * Confirmed bookings of published events starting in `(now, now + horizon]` that have no
 * reminder queued yet, oldest event first.
 */
export function dueReminders(
  db: Db,
  now: Date,
  horizonMs: number,
  limit: number,
): Promise<DueReminder[]> {
  return db
    .selectFrom('events as e')
    .innerJoin('bookings as b', 'b.event_id', 'e.id')
    .innerJoin('users as u', 'u.id', 'b.user_id')
    .select([
      'b.id as bookingId',
      'b.quantity',
      'u.id as userId',
      'u.email',
      'u.name',
      'e.title',
      'e.venue',
      'e.starts_at as startsAt',
    ])
    .where('e.status', '=', 'published')
    .where('e.starts_at', '>', now)
    .where('e.starts_at', '<=', new Date(now.getTime() + horizonMs))
    .where('b.status', '=', 'confirmed')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('sent_emails as s')
            .select('s.id')
            .where(
              's.source',
              '=',
              sql<string>`${REMINDER_SOURCE[0]}::text || b.id::text || ${REMINDER_SOURCE[1]}::text`,
            )
            .whereRef('s.recipient_id', '=', 'b.user_id')
            .where('s.template', '=', EVENT_REMINDER_TEMPLATE),
        ),
      ),
    )
    .orderBy('e.starts_at')
    .orderBy('b.id')
    .limit(limit)
    .execute();
}
