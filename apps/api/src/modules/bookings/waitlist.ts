import type { DomainEventInput, DomainTopic } from '@evently/contracts';
import { appendEvents, type Database } from '@evently/db';
import type { Transaction } from 'kysely';
import { type AuditEntryInput, appendAudits } from '../../audit/audit.repository.js';
import { waitlistRef } from './bookings.mappers.js';
import {
  type BookingRow,
  bookingsRepository as repo,
  type WaitlistRow,
} from './bookings.repository.js';
import { inventoryRepository as inventoryRepo } from './inventory.repository.js';

/** Read by the user in the waitlist-closed mail. */
export const SALES_CLOSED_REASON = 'Sales for this event have closed.';

export interface SeatRules {
  offerMinutes: number;
  now: () => Date;
}

/** What an entry's change adds to the caller's outbox and audit writes. */
export interface EntryRecords {
  events: DomainEventInput<DomainTopic>[];
  audits: AuditEntryInput[];
}

/**
 * An offer booking that ends unconfirmed ends its entry: a lapse (`expired`) or a decline
 * (`left`, when the offer was cancelled). Nothing for other bookings. The caller appends the
 * records with the booking's own.
 */
export async function endOffer(
  trx: Transaction<Database>,
  booking: BookingRow,
  to: 'cancelled' | 'expired',
  actorId: string | null,
  now: Date,
): Promise<EntryRecords> {
  const records: EntryRecords = { events: [], audits: [] };
  if (!booking.waitlist_entry_id || booking.status !== 'pending') return records;
  const entry = await repo.lockEntry(trx, booking.waitlist_entry_id);
  if (entry?.status !== 'offered') return records;
  const status = to === 'expired' ? 'expired' : 'left';
  await repo.updateEntry(trx, entry.id, { status }, now);
  records.events.push(
    to === 'expired'
      ? {
          topic: 'waitlist.offer_expired',
          aggregateId: entry.id,
          payload: { ...waitlistRef(entry), bookingId: booking.id },
        }
      : { topic: 'waitlist.left', aggregateId: entry.id, payload: waitlistRef(entry) },
  );
  records.audits.push({
    entity: 'waitlist_entry',
    entityId: entry.id,
    action: to === 'expired' ? 'offer_expired' : 'leave',
    actorId,
    after: { status },
  });
  return records;
}

/** A confirmed offer booking converts its entry. Returns the events to append with the booking's. */
export async function convertOffer(
  trx: Transaction<Database>,
  booking: BookingRow,
  now: Date,
): Promise<DomainEventInput<DomainTopic>[]> {
  if (!booking.waitlist_entry_id) return [];
  const entry = await repo.updateEntry(
    trx,
    booking.waitlist_entry_id,
    { status: 'converted' },
    now,
  );
  if (!entry) return [];
  return [
    {
      topic: 'waitlist.converted',
      aggregateId: entry.id,
      payload: { ...waitlistRef(entry), bookingId: booking.id },
    },
  ];
}

/** A closed entry's domain event; the reason is read by its user in the waitlist-closed mail. */
export function closedEvent(
  entry: WaitlistRow,
  reason: string,
): DomainEventInput<'waitlist.closed'> {
  return {
    topic: 'waitlist.closed',
    aggregateId: entry.id,
    payload: { ...waitlistRef(entry), reason },
  };
}

/** Closes these entries for `reason`, with their events and audit rows; returns how many. */
async function closeEntries(
  trx: Transaction<Database>,
  entries: WaitlistRow[],
  reason: string,
  now: Date,
): Promise<number> {
  const events: DomainEventInput<DomainTopic>[] = [];
  const audits: AuditEntryInput[] = [];
  for (const entry of entries) {
    await repo.updateEntry(trx, entry.id, { status: 'closed' }, now);
    events.push(closedEvent(entry, reason));
    audits.push({
      entity: 'waitlist_entry',
      entityId: entry.id,
      action: 'close',
      actorId: null,
      after: { status: 'closed', reason },
    });
  }
  await appendEvents(trx, events);
  await appendAudits(trx, audits);
  return entries.length;
}

/** The event was cancelled: every live entry is closed (its offer booking is the caller's). */
export async function closeWaitlist(
  trx: Transaction<Database>,
  eventId: string,
  reason: string,
  now: Date,
): Promise<void> {
  await closeEntries(trx, await repo.liveEntriesOfEvent(trx, eventId), reason, now);
}

/**
 * Sales have closed: every waiting entry is closed with the reason (offers out already end at the
 * close, their deadline). Locks the inventory row first, as every queue change does. Returns how
 * many entries it closed.
 */
export async function closeQueueAfterSales(
  trx: Transaction<Database>,
  eventId: string,
  now: Date,
): Promise<number> {
  await inventoryRepo.lock(trx, eventId);
  const closed = await closeEntries(
    trx,
    await repo.waitingEntriesOfEvent(trx, eventId),
    SALES_CLOSED_REASON,
    now,
  );
  if (closed > 0) await inventoryRepo.bumpVersion(trx, eventId);
  return closed;
}
