import { randomUUID } from 'node:crypto';
import type { DomainEventInput, DomainTopic } from '@evently/contracts';
import { appendEvents, type Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import { type AuditEntryInput, appendAudits } from '../../audit/audit.repository.js';
import { isOnSale, readBookingTerms } from '../events/booking-terms.js';
import { bookingRef, toBooking, waitlistRef } from './bookings.mappers.js';
import {
  type BookingRow,
  bookingsRepository as repo,
  type WaitlistRow,
} from './bookings.repository.js';
import { inventoryRepository as inventoryRepo } from './inventory.repository.js';
import { HOLD, quotaSeatsRepository as quotaSeats } from './quota-seats.repository.js';

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
 * Freed seats go to the queue, not to newcomers: inside the caller's transaction, the head
 * entries get pending offer bookings (their own hold) for as long as the free seats cover them.
 * An entry needing more seats than are free stays at the head and keeps them (direct bookings
 * answer SOLD_OUT while anyone waits). Locks the inventory row, so it serialises with joins,
 * releases and (through the version) the allocator. Returns the offers made.
 */
export async function promoteWaitlist(
  trx: Transaction<Database>,
  eventId: string,
  rules: SeatRules,
): Promise<BookingRow[]> {
  const terms = await readBookingTerms(trx, eventId);
  if (terms?.status !== 'published') return [];
  const now = rules.now();
  if (!isOnSale(terms, now)) {
    // No seat is sold outside the sales window, offers included. Once sales have closed nobody
    // waiting will get a seat: the queue is closed (and told) rather than left hoping.
    if (now.getTime() >= terms.salesCloseAt.getTime())
      await closeQueueAfterSales(trx, eventId, now);
    return [];
  }
  const inventory = await inventoryRepo.lock(trx, eventId);
  if (!inventory) return [];
  let available = inventory.capacity - inventory.confirmed - inventory.held;
  const offers: BookingRow[] = [];
  const events: DomainEventInput<DomainTopic>[] = [];
  const audits: AuditEntryInput[] = [];
  // An offer, like a hold, never outlives the sales window: its deadline is the close at the latest.
  const expiresAt = new Date(
    Math.min(now.getTime() + rules.offerMinutes * 60_000, terms.salesCloseAt.getTime()),
  );
  for (;;) {
    const head = await repo.waitingHead(trx, eventId);
    if (!head || head.quantity > available) break;
    const passed = await passOverHead(trx, head, terms.maxPerUser, now);
    if (passed) {
      // The offer would put them over the limit (lowered since they joined): the next in line.
      events.push(...passed.events);
      audits.push(...passed.audits);
      continue;
    }
    const [offer] = await repo.insertBookings(trx, [
      {
        id: randomUUID(),
        event_id: eventId,
        user_id: head.user_id,
        quantity: head.quantity,
        status: 'pending',
        unit_price_cents: terms.priceCents,
        total_cents: terms.priceCents * head.quantity,
        currency: terms.currency,
        expires_at: expiresAt,
        updated_at: now,
        waitlist_entry_id: head.id,
      },
    ]);
    if (!offer) break;
    await repo.updateEntry(
      trx,
      head.id,
      { status: 'offered', offer_booking_id: offer.id, offer_expires_at: expiresAt },
      now,
    );
    available -= head.quantity;
    offers.push(offer);
    events.push(
      {
        topic: 'booking.created',
        aggregateId: offer.id,
        payload: {
          ...bookingRef(offer),
          status: 'pending',
          expiresAt: expiresAt.toISOString(),
          waitlistEntryId: head.id,
        },
      },
      {
        topic: 'waitlist.offered',
        aggregateId: head.id,
        payload: {
          ...waitlistRef(head),
          bookingId: offer.id,
          offerExpiresAt: expiresAt.toISOString(),
        },
      },
    );
    audits.push(
      {
        entity: 'booking',
        entityId: offer.id,
        action: 'offer',
        actorId: null,
        after: toBooking(offer),
      },
      {
        entity: 'waitlist_entry',
        entityId: head.id,
        action: 'offer',
        actorId: null,
        after: { status: 'offered', bookingId: offer.id },
      },
    );
  }
  if (offers.length > 0) {
    const held = offers.reduce((sum, o) => sum + o.quantity, 0);
    await inventoryRepo.adjustSeats(trx, eventId, { confirmed: 0, held });
    await quotaSeats.move(
      trx,
      offers.map((o) => o.id),
      HOLD,
    );
  }
  await appendEvents(trx, events);
  await appendAudits(trx, audits);
  return offers;
}

/**
 * maxPerUser holds across the waitlist: an offer must not take its user over the limit. Such a
 * head is closed (the system ended it, as when the event is cancelled), not offered; returns
 * its records, or undefined when the head may have its offer.
 */
async function passOverHead(
  trx: Transaction<Database>,
  head: WaitlistRow,
  maxPerUser: number | null,
  now: Date,
): Promise<EntryRecords | undefined> {
  if (maxPerUser === null) return undefined;
  const owned =
    (await repo.liveQuantities(trx, head.event_id, [head.user_id])).get(head.user_id) ?? 0;
  if (owned + head.quantity <= maxPerUser) return undefined;
  await repo.updateEntry(trx, head.id, { status: 'closed' }, now);
  // Read by the user in the waitlist-closed mail.
  const reason = `An offer of ${head.quantity} seats would take you over the limit of ${maxPerUser} seats per person for this event (you already hold ${owned}).`;
  return {
    events: [closedEvent(head, reason)],
    audits: [
      {
        entity: 'waitlist_entry',
        entityId: head.id,
        action: 'pass_over',
        actorId: null,
        after: { status: 'closed', reason, maxPerUser, alreadyBooked: owned },
      },
    ],
  };
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
function closedEvent(entry: WaitlistRow, reason: string): DomainEventInput<'waitlist.closed'> {
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

/**
 * The scheduled safety net for queues whose sales closed while no seat was released (a release
 * closes the queue itself): closes them. Idempotent; returns how many entries it closed.
 */
export async function closeEndedQueues(db: Kysely<Database>, now: Date): Promise<number> {
  let closed = 0;
  for (const eventId of await repo.eventsWithWaitingEntries(db, 500)) {
    closed += await db.transaction().execute(async (trx) => {
      const terms = await readBookingTerms(trx, eventId);
      // A cancelled event's queue is closed by the cancellation, with its reason.
      if (terms?.status !== 'published' && terms?.status !== 'completed') return 0;
      if (now.getTime() < terms.salesCloseAt.getTime()) return 0;
      return closeQueueAfterSales(trx, eventId, now);
    });
  }
  return closed;
}
