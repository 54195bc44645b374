import { randomUUID } from 'node:crypto';
import type { DomainEventInput, DomainTopic } from '@evently/contracts';
import { appendEvents, type Database } from '@evently/db';
import type { Transaction } from 'kysely';
import { type AuditEntryInput, appendAudits } from '../../audit/audit.repository.js';
import { readBookingTerms } from '../events/booking-terms.js';
import { bookingRef, toBooking } from './bookings.mappers.js';
import { type BookingRow, bookingsRepository as repo } from './bookings.repository.js';

export interface SeatRules {
  offerMinutes: number;
  now: () => Date;
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
  if (!terms || terms.status !== 'published') return [];
  const inventory = await repo.lockInventory(trx, eventId);
  if (!inventory) return [];
  let available = inventory.capacity - inventory.confirmed - inventory.held;
  const offers: BookingRow[] = [];
  const events: DomainEventInput<DomainTopic>[] = [];
  const audits: AuditEntryInput[] = [];
  const now = rules.now();
  const expiresAt = new Date(now.getTime() + rules.offerMinutes * 60_000);
  for (;;) {
    const head = await repo.waitingHead(trx, eventId);
    if (!head || head.quantity > available) break;
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
    await repo.adjustSeats(trx, eventId, { confirmed: 0, held });
    await appendEvents(trx, events);
    await appendAudits(trx, audits);
  }
  return offers;
}

/**
 * Ends a live booking (cancel or expiry) and frees its seats, in the caller's transaction; no
 * Redis lock is needed to free capacity. A lapsed or cancelled offer ends its waitlist entry;
 * then the freed seats are offered to the queue. Returns the ended booking (undefined when it was
 * no longer live) and the offers made.
 */
export async function releaseBooking(
  trx: Transaction<Database>,
  booking: BookingRow,
  to: 'cancelled' | 'expired',
  context: { reason: string | null; actorId: string | null },
  rules: SeatRules,
): Promise<{ booking: BookingRow | undefined; offers: BookingRow[] }> {
  const now = rules.now();
  const ended = await repo.updateBookingStatus(
    trx,
    booking.id,
    booking.status,
    to === 'cancelled'
      ? { status: 'cancelled', cancelled_at: now, cancel_reason: context.reason }
      : { status: 'expired' },
    now,
  );
  if (!ended) return { booking: undefined, offers: [] };
  await repo.adjustSeats(
    trx,
    booking.event_id,
    booking.status === 'pending'
      ? { confirmed: 0, held: -booking.quantity }
      : { confirmed: -booking.quantity, held: 0 },
  );
  const events: DomainEventInput<DomainTopic>[] = [
    to === 'cancelled'
      ? {
          topic: 'booking.cancelled',
          aggregateId: booking.id,
          payload: {
            ...bookingRef(ended),
            previousStatus: booking.status,
            reason: context.reason,
            cancelledBy: context.actorId,
          },
        }
      : { topic: 'booking.expired', aggregateId: booking.id, payload: bookingRef(ended) },
  ];
  const audits: AuditEntryInput[] = [
    {
      entity: 'booking',
      entityId: booking.id,
      action: to === 'cancelled' ? 'cancel' : 'expire',
      actorId: context.actorId,
      before: toBooking(booking),
      after: toBooking(ended),
    },
  ];
  if (booking.waitlist_entry_id && booking.status === 'pending') {
    const entry = await repo.lockEntry(trx, booking.waitlist_entry_id);
    if (entry?.status === 'offered') {
      const status = to === 'expired' ? 'expired' : 'left';
      await repo.updateEntry(trx, entry.id, { status }, now);
      const entryRef = {
        entryId: entry.id,
        eventId: entry.event_id,
        userId: entry.user_id,
        quantity: entry.quantity,
      };
      events.push(
        to === 'expired'
          ? {
              topic: 'waitlist.offer_expired',
              aggregateId: entry.id,
              payload: { ...entryRef, bookingId: booking.id },
            }
          : { topic: 'waitlist.left', aggregateId: entry.id, payload: entryRef },
      );
      audits.push({
        entity: 'waitlist_entry',
        entityId: entry.id,
        action: to === 'expired' ? 'offer_expired' : 'leave',
        actorId: context.actorId,
        after: { status },
      });
    }
  }
  await appendEvents(trx, events);
  await appendAudits(trx, audits);
  const offers = await promoteWaitlist(trx, booking.event_id, rules);
  return { booking: ended, offers };
}
