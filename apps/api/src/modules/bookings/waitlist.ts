import { randomUUID } from 'node:crypto';
import type { DomainEventInput, DomainTopic } from '@evently/contracts';
import { appendEvents, type Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import { type AuditEntryInput, appendAudits } from '../../audit/audit.repository.js';
import { isOnSale, readBookingTerms } from '../events/booking-terms.js';
import { bookingRef, toBooking } from './bookings.mappers.js';
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
    const entryRef = { entryId: head.id, eventId, userId: head.user_id, quantity: head.quantity };
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
        payload: { ...entryRef, bookingId: offer.id, offerExpiresAt: expiresAt.toISOString() },
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
    events: [
      {
        topic: 'waitlist.closed',
        aggregateId: head.id,
        payload: {
          entryId: head.id,
          eventId: head.event_id,
          userId: head.user_id,
          quantity: head.quantity,
          reason,
        },
      },
    ],
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
  const entryRef = {
    entryId: entry.id,
    eventId: entry.event_id,
    userId: entry.user_id,
    quantity: entry.quantity,
  };
  records.events.push(
    to === 'expired'
      ? {
          topic: 'waitlist.offer_expired',
          aggregateId: entry.id,
          payload: { ...entryRef, bookingId: booking.id },
        }
      : { topic: 'waitlist.left', aggregateId: entry.id, payload: entryRef },
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
      payload: {
        entryId: entry.id,
        eventId: entry.event_id,
        userId: entry.user_id,
        quantity: entry.quantity,
        bookingId: booking.id,
      },
    },
  ];
}

/** The event was cancelled: every live entry is closed (its offer booking is the caller's). */
export async function closeWaitlist(
  trx: Transaction<Database>,
  eventId: string,
  reason: string,
  now: Date,
): Promise<void> {
  const entries = await repo.liveEntriesOfEvent(trx, eventId);
  const events: DomainEventInput<DomainTopic>[] = [];
  for (const entry of entries) {
    await repo.updateEntry(trx, entry.id, { status: 'closed' }, now);
    events.push({
      topic: 'waitlist.closed',
      aggregateId: entry.id,
      payload: {
        entryId: entry.id,
        eventId: entry.event_id,
        userId: entry.user_id,
        quantity: entry.quantity,
        reason,
      },
    });
  }
  await appendEvents(trx, events);
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
  const entries = await repo.waitingEntriesOfEvent(trx, eventId);
  if (entries.length === 0) return 0;
  const events: DomainEventInput<DomainTopic>[] = [];
  const audits: AuditEntryInput[] = [];
  for (const entry of entries) {
    await repo.updateEntry(trx, entry.id, { status: 'closed' }, now);
    events.push({
      topic: 'waitlist.closed',
      aggregateId: entry.id,
      payload: {
        entryId: entry.id,
        eventId: entry.event_id,
        userId: entry.user_id,
        quantity: entry.quantity,
        reason: SALES_CLOSED_REASON,
      },
    });
    audits.push({
      entity: 'waitlist_entry',
      entityId: entry.id,
      action: 'close',
      actorId: null,
      after: { status: 'closed', reason: SALES_CLOSED_REASON },
    });
  }
  await inventoryRepo.bumpVersion(trx, eventId);
  await appendEvents(trx, events);
  await appendAudits(trx, audits);
  return entries.length;
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
