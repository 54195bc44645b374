import { randomUUID } from 'node:crypto';
import { appendEvents, type Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import { appendAudits } from '../../audit/audit.repository.js';
import { type BookingTerms, isOnSale, readBookingTerms } from '../events/booking-terms.js';
import { bookingRef, toBooking, waitlistRef } from './bookings.mappers.js';
import {
  type BookingRow,
  bookingsRepository as repo,
  type WaitlistRow,
} from './bookings.repository.js';
import {
  type InventoryCounts,
  inventoryRepository as inventoryRepo,
} from './inventory.repository.js';
import { HOLD, quotaSeatsRepository as quotaSeats } from './quota-seats.repository.js';
import { seatAllocationsRepository as seatAllocations } from './seat-allocations.repository.js';
import {
  closedEvent,
  closeQueueAfterSales,
  type EntryRecords,
  type SeatRules,
} from './waitlist.js';
import { planQueue, type QueuedEntry, type QueuePlan } from './waitlist-queue.js';
import { waitlistQueueRepository as queueRepo } from './waitlist-queue.repository.js';
import { queueRoomOf, queueTypesOf } from './waitlist-room.js';
import { createOfferSeats, type OfferSeats } from './waitlist-seats.js';

/** A waiting entry as the rule sees it. */
type Queued = WaitlistRow & QueuedEntry;

/** Entries of each line read per round (a longer line is read again once these are served). */
const LINE_PAGE = 200;

/** Read by the user in the waitlist-closed mail. */
const TYPE_NOT_SOLD_REASON = 'Tickets of the type you were waiting for are no longer sold.';

/**
 * Freed seats go to the queue, not to newcomers: inside the caller's transaction, waiting
 * entries get pending offer bookings (their own hold) of the type they wait for, as the rule of
 * waitlist-queue.ts serves them: each type's line in join order, while that type's quotas and
 * the event have room. Locks the inventory row, so it serialises with joins, releases and
 * (through the version) the allocator. An offer on a seated type comes with the best available
 * seats (waitlist-seats.ts). Returns the offers made.
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
  const locked = await inventoryRepo.lock(trx, eventId);
  if (!locked) return [];
  let inventory: InventoryCounts = locked;
  const offers: BookingRow[] = [];
  const seatOffers = createOfferSeats(trx, eventId);
  // A line longer than a page whose page was served entirely may have more to serve.
  for (let more = true; more; ) {
    const entries = await queueRepo.lines(trx, eventId, LINE_PAGE);
    if (entries.length === 0) break;
    const selling = await queueRepo.selling(trx, eventId, now);
    const owned =
      terms.maxPerUser === null
        ? new Map<string, number>()
        : await repo.liveQuantities(trx, eventId, [...new Set(entries.map((e) => e.user_id))]);
    const types = queueTypesOf(selling.ticketTypes, now);
    const plan = planQueue(
      entries.map((e) => ({ ...e, ticketTypeId: e.ticket_type_id, userId: e.user_id })),
      types,
      queueRoomOf(inventory, selling.quotas, selling.vouchers, now),
      { maxPerUser: terms.maxPerUser, owned },
    );
    const made = await makeOffers(
      trx,
      eventId,
      terms,
      plan,
      (id) => types.get(id)?.priceCents ?? 0,
      rules,
      seatOffers,
    );
    offers.push(...made);
    const held = made.reduce((sum, o) => sum + o.quantity, 0);
    inventory = { ...inventory, held: inventory.held + held };
    // An entry planned an offer but left without seats is still waiting: not served.
    const offered = new Set(made.map((o) => o.waitlist_entry_id));
    more = pageServed(entries, { ...plan, offers: plan.offers.filter((e) => offered.has(e.id)) });
  }
  return offers;
}

/** Whether some line filled its page and every entry read of it left the line. */
function pageServed(entries: readonly WaitlistRow[], plan: QueuePlan<Queued>): boolean {
  const left = new Set([
    ...plan.offers.map((e) => e.id),
    ...plan.unsold.map((e) => e.id),
    ...plan.overLimit.map((o) => o.entry.id),
  ]);
  const read = new Map<string, { all: number; left: number }>();
  for (const e of entries) {
    const line = read.get(e.ticket_type_id) ?? { all: 0, left: 0 };
    line.all += 1;
    if (left.has(e.id)) line.left += 1;
    read.set(e.ticket_type_id, line);
  }
  return [...read.values()].some((l) => l.all === LINE_PAGE && l.left === l.all);
}

/** Applies a plan: the offers (bookings, lines, holds) and the entries it closes. */
async function makeOffers(
  trx: Transaction<Database>,
  eventId: string,
  terms: BookingTerms,
  plan: QueuePlan<Queued>,
  priceOf: (ticketTypeId: string) => number,
  rules: SeatRules,
  seatOffers: OfferSeats,
): Promise<BookingRow[]> {
  const now = rules.now();
  const seated = await seatOffers(plan.offers);
  const records: EntryRecords = { events: [], audits: [] };
  for (const { entry, owned } of plan.overLimit) {
    // Read by the user in the waitlist-closed mail.
    const reason = `An offer of ${entry.quantity} seats would take you over the limit of ${terms.maxPerUser} seats per person for this event (you already hold ${owned}).`;
    close(records, entry, reason, 'pass_over', {
      maxPerUser: terms.maxPerUser,
      alreadyBooked: owned,
    });
    await repo.updateEntry(trx, entry.id, { status: 'closed' }, now);
  }
  for (const entry of plan.unsold) {
    close(records, entry, TYPE_NOT_SOLD_REASON, 'close', {});
    await repo.updateEntry(trx, entry.id, { status: 'closed' }, now);
  }
  // An offer, like a hold, never outlives the sales window: its deadline is the close at the latest.
  const expiresAt = new Date(
    Math.min(now.getTime() + rules.offerMinutes * 60_000, terms.salesCloseAt.getTime()),
  );
  const offers = await repo.insertOffers(
    trx,
    seated.offers.map((entry) => {
      const unit = priceOf(entry.ticket_type_id);
      return {
        ticketTypeId: entry.ticket_type_id,
        booking: {
          id: randomUUID(),
          event_id: eventId,
          user_id: entry.user_id,
          quantity: entry.quantity,
          status: 'pending',
          unit_price_cents: unit,
          total_cents: unit * entry.quantity,
          currency: terms.currency,
          expires_at: expiresAt,
          updated_at: now,
          waitlist_entry_id: entry.id,
        },
      };
    }),
  );
  for (const offer of offers) {
    const entry = plan.offers.find((e) => e.id === offer.waitlist_entry_id);
    if (!entry) continue;
    await repo.updateEntry(
      trx,
      entry.id,
      { status: 'offered', offer_booking_id: offer.id, offer_expires_at: expiresAt },
      now,
    );
    records.events.push(
      {
        topic: 'booking.created',
        aggregateId: offer.id,
        payload: {
          ...bookingRef(offer),
          status: 'pending',
          expiresAt: expiresAt.toISOString(),
          waitlistEntryId: entry.id,
        },
      },
      {
        topic: 'waitlist.offered',
        aggregateId: entry.id,
        payload: {
          ...waitlistRef(entry),
          bookingId: offer.id,
          offerExpiresAt: expiresAt.toISOString(),
        },
      },
    );
    records.audits.push(
      {
        entity: 'booking',
        entityId: offer.id,
        action: 'offer',
        actorId: null,
        after: toBooking(offer),
      },
      {
        entity: 'waitlist_entry',
        entityId: entry.id,
        action: 'offer',
        actorId: null,
        after: { status: 'offered', bookingId: offer.id },
      },
    );
  }
  if (offers.length > 0) {
    const held = offers.reduce((sum, o) => sum + o.quantity, 0);
    await inventoryRepo.adjustSeats(trx, eventId, { confirmed: 0, held });
    // After the inventory row moved: recorded at its new version.
    for (const offer of offers) {
      const seatIds = seated.seats.get(offer.waitlist_entry_id ?? '') ?? [];
      await seatAllocations.allocate(trx, eventId, offer.id, seatIds, now);
    }
    await quotaSeats.move(
      trx,
      offers.map((o) => o.id),
      HOLD,
    );
  }
  await appendEvents(trx, records.events);
  await appendAudits(trx, records.audits);
  return offers;
}

/** An entry the system closes (not the user): its event and audit row. */
function close(
  records: EntryRecords,
  entry: WaitlistRow,
  reason: string,
  action: 'pass_over' | 'close',
  detail: Record<string, unknown>,
) {
  records.events.push(closedEvent(entry, reason));
  records.audits.push({
    entity: 'waitlist_entry',
    entityId: entry.id,
    action,
    actorId: null,
    after: { status: 'closed', reason, ...detail },
  });
}

/**
 * The scheduled safety net for the queues: a queue whose sales closed is closed (a release
 * closes it itself), and one whose seats came free without a release — a quota raised, a
 * contingent over, a type's sales opening — is served. Idempotent; returns how many entries it
 * closed and the offers it made (the caller schedules their expiry).
 */
export async function serveWaitlists(
  db: Kysely<Database>,
  rules: SeatRules,
): Promise<{ closed: number; offers: BookingRow[] }> {
  let closed = 0;
  const offers: BookingRow[] = [];
  for (const eventId of await repo.eventsWithWaitingEntries(db, 500)) {
    await db.transaction().execute(async (trx) => {
      const terms = await readBookingTerms(trx, eventId);
      const now = rules.now();
      // A cancelled event's queue is closed by the cancellation, with its reason.
      if (terms?.status !== 'published' && terms?.status !== 'completed') return;
      if (now.getTime() >= terms.salesCloseAt.getTime()) {
        closed += await closeQueueAfterSales(trx, eventId, now);
        return;
      }
      offers.push(...(await promoteWaitlist(trx, eventId, rules)));
    });
  }
  return { closed, offers };
}
