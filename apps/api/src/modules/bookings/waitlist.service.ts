import { randomUUID } from 'node:crypto';
import type { Page, WaitlistEntry } from '@evently/contracts';
import { appendEvent, type Database } from '@evently/db';
import type { QueuePort } from '@evently/platform';
import type { Kysely } from 'kysely';
import { authorize } from '../../access/access-policy.js';
import { appendAudit } from '../../audit/audit.repository.js';
import { AppError } from '../../kernel/app-error.js';
import type { RequestLog } from '../../kernel/log.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import { keysetPage, rowsFor } from '../../kernel/page.js';
import { actorOf, type Principal, type UserPrincipal } from '../../kernel/principal.js';
import { isOnSale, readBookingTerms } from '../events/booking-terms.js';
import { toWaitlistEntry, waitlistRef } from './bookings.mappers.js';
import { type BookingRow, bookingsRepository as repo } from './bookings.repository.js';
import { holding, termsFor } from './event-access.js';
import { cappedBySeats } from './free-seats.js';
import { scheduleHoldExpiry } from './hold-expiry.js';
import { idempotencyRepository, requestHash } from './idempotency.repository.js';
import { inventoryRepository as inventoryRepo } from './inventory.repository.js';
import { typeOnSale } from './order-pricing.js';
import type { TicketTypeState } from './order-snapshot.js';
import { releaseBooking } from './release-booking.js';
import { seatAllocationsRepository as seatAllocations } from './seat-allocations.repository.js';
import type { SeatRules } from './waitlist.js';
import { promoteWaitlist, serveWaitlists } from './waitlist-offers.js';
import { openSeats, queueStanding } from './waitlist-room.js';

const JOIN_SCOPE = 'bookings.waitlist.join';

/** The `bookings.waitlist.*` procedures: queueing for a sold-out event, and seeing the queue. */
export interface WaitlistService {
  join(
    principal: UserPrincipal,
    input: {
      eventId: string;
      ticketTypeId?: string | undefined;
      quantity: number;
      idempotencyKey?: string | undefined;
    },
  ): Promise<WaitlistEntry>;
  leave(principal: UserPrincipal, entryId: string): Promise<WaitlistEntry>;
  mine(principal: UserPrincipal): Promise<WaitlistEntry[]>;
  forEvent(
    principal: Principal,
    input: { eventId: string; limit: number; cursor?: { s: string } | null | undefined },
  ): Promise<Page<WaitlistEntry>>;
  /**
   * The worker's job: closes the queues of events whose sales have closed, and serves those
   * whose seats came free without a release. Returns how many entries it closed and offered.
   */
  serveQueues(): Promise<{ closed: number; offered: number }>;
}

/**
 * The line a join is for: the type named, or the event's only public type on sale (the same
 * rule as a bare-quantity order). A hidden type has no public line.
 */
function lineToJoin(
  types: readonly TicketTypeState[],
  ticketTypeId: string | undefined,
  now: Date,
): TicketTypeState {
  const open = types.filter((t) => !t.hidden && typeOnSale(t, now));
  if (ticketTypeId === undefined) {
    const [only] = open;
    if (open.length !== 1 || !only) throw new AppError('VALIDATION_FAILED', 'Choose a ticket type');
    return only;
  }
  const type = open.find((t) => t.id === ticketTypeId);
  if (!type) {
    throw new AppError('TICKET_TYPE_NOT_AVAILABLE', 'This ticket type is not available', {
      ticketTypeId,
    });
  }
  return type;
}

export function createWaitlistService(deps: {
  db: Kysely<Database>;
  roles: MemberRoles;
  queue: QueuePort;
  log: RequestLog;
  rules: SeatRules;
}): WaitlistService {
  const { db, roles, rules } = deps;
  const now = rules.now;
  const scheduleExpiry = (offers: BookingRow[]) =>
    scheduleHoldExpiry(deps.queue, offers, now(), deps.log);

  return {
    async join(principal, input) {
      const mine = await roles.of(principal);
      const outcome = await db.transaction().execute(async (trx) => {
        const terms = await termsFor(trx, mine, principal, 'event.book', input.eventId);
        // The sales window holds for the queue too: a place in it is a claim on a seat.
        if (!isOnSale(terms, now()))
          throw new AppError('EVENT_NOT_BOOKABLE', 'This event is not on sale');
        // Serialises with releases and promotions; the version bump makes a racing allocator retry.
        const inventory = await inventoryRepo.lock(trx, input.eventId);
        if (!inventory) throw new AppError('EVENT_NOT_BOOKABLE', 'This event is not on sale');
        const standing = await queueStanding(trx, input.eventId, inventory, now());
        const type = lineToJoin(standing.selling.ticketTypes, input.ticketTypeId, now());
        if (input.quantity > terms.maxPerBooking) {
          throw new AppError(
            'QUANTITY_LIMIT_EXCEEDED',
            `At most ${terms.maxPerBooking} seats per booking`,
          );
        }
        if (input.quantity < type.minPerBooking || input.quantity > type.maxPerBooking) {
          throw new AppError(
            'QUANTITY_LIMIT_EXCEEDED',
            `From ${type.minPerBooking} to ${type.maxPerBooking} of ${type.name} per booking`,
            {
              ticketTypeId: type.id,
              minPerBooking: type.minPerBooking,
              maxPerBooking: type.maxPerBooking,
            },
          );
        }
        const joinHash = requestHash({
          eventId: input.eventId,
          ticketTypeId: type.id,
          quantity: input.quantity,
        });
        const keyRef = input.idempotencyKey
          ? [{ userId: principal.userId, key: input.idempotencyKey }]
          : [];
        const [existing] = (
          await idempotencyRepository.findLive(trx, JOIN_SCOPE, keyRef, now())
        ).values();
        if (existing) {
          if (existing.request_hash !== joinHash) {
            throw new AppError(
              'IDEMPOTENCY_KEY_REUSED',
              'This idempotency key was used with other parameters',
            );
          }
          const entry = existing.resultId
            ? await repo.findEntryWithPosition(trx, existing.resultId)
            : undefined;
          if (entry) return { entry, offers: [] as BookingRow[] };
        }
        if (await repo.userHasLiveEntry(trx, type.id, principal.userId)) {
          throw new AppError(
            'INVALID_STATE',
            'You are already on the waitlist for this ticket type',
          );
        }
        if (terms.maxPerUser !== null) {
          // The limit holds across the waitlist too: what the entry would be offered counts.
          const owned =
            (await repo.liveQuantities(trx, input.eventId, [principal.userId])).get(
              principal.userId,
            ) ?? 0;
          if (owned + input.quantity > terms.maxPerUser) {
            throw new AppError(
              'QUANTITY_LIMIT_EXCEEDED',
              `At most ${terms.maxPerUser} seats per person`,
              { maxPerUser: terms.maxPerUser, alreadyBooked: owned },
            );
          }
        }
        // A type sold with reserved seats is open only as far as its free seats go.
        const open = cappedBySeats(
          openSeats(standing, type),
          await seatAllocations.freeSeatsByType(trx, input.eventId),
          type.id,
        );
        if (open >= input.quantity) {
          throw new AppError('INVALID_STATE', 'Seats are available: book them directly');
        }
        const entry = await repo.insertEntry(trx, {
          id: randomUUID(),
          event_id: input.eventId,
          ticket_type_id: type.id,
          user_id: principal.userId,
          quantity: input.quantity,
          status: 'waiting',
          updated_at: now(),
        });
        await inventoryRepo.bumpVersion(trx, input.eventId);
        if (input.idempotencyKey) {
          const recorded = await idempotencyRepository.insert(
            trx,
            [
              {
                userId: principal.userId,
                scope: JOIN_SCOPE,
                key: input.idempotencyKey,
                requestHash: joinHash,
                resultId: entry.id,
              },
            ],
            now(),
          );
          // A parallel join with the same key won: retrying replays its answer.
          if (recorded === 0)
            throw new AppError(
              'SERVICE_UNAVAILABLE',
              'A retry with this key is in progress; retry shortly',
            );
        }
        await appendEvent(trx, {
          topic: 'waitlist.joined',
          aggregateId: entry.id,
          payload: waitlistRef(entry),
        });
        await appendAudit(trx, {
          entity: 'waitlist_entry',
          entityId: entry.id,
          action: 'join',
          ...actorOf(principal),
          after: toWaitlistEntry(entry),
        });
        const offers = await promoteWaitlist(trx, input.eventId, rules);
        // The joiner's first question is where they are in line: answered as of the commit.
        const joined = await repo.findEntryWithPosition(trx, entry.id);
        if (!joined) throw new AppError('INTERNAL', 'The new entry is gone');
        return { entry: joined, offers };
      });
      if (outcome.offers.length > 0) scheduleExpiry(outcome.offers);
      const { entry } = outcome;
      return toWaitlistEntry(entry);
    },

    async leave(principal, entryId) {
      const mine = await roles.of(principal);
      const outcome = await db.transaction().execute(async (trx) => {
        const seen = await repo.findEntry(trx, entryId);
        if (!seen) throw new AppError('NOT_FOUND', 'Waitlist entry not found');
        const terms = await readBookingTerms(trx, seen.event_id);
        authorize(principal, 'waitlistEntry.leave', holding(mine, seen, terms));
        // Locks in the order every other path takes them — the offer booking, the inventory row,
        // then the entry (promotion locks the inventory, then the head): entry first deadlocked.
        const offered = seen.offer_booking_id
          ? await repo.lockBooking(trx, seen.offer_booking_id)
          : undefined;
        await inventoryRepo.lock(trx, seen.event_id);
        const entry = (await repo.lockEntry(trx, entryId)) ?? seen;
        if (entry.status === 'offered' && entry.offer_booking_id) {
          // Leaving with an offer in hand declines it: its seats pass on.
          const offer =
            offered?.id === entry.offer_booking_id
              ? offered
              : await repo.lockBooking(trx, entry.offer_booking_id);
          if (offer?.status === 'pending') {
            const released = await releaseBooking(
              trx,
              offer,
              'cancelled',
              { reason: 'left the waitlist', actorId: principal.userId },
              rules,
            );
            return {
              entry: (await repo.findEntry(trx, entryId)) ?? entry,
              offers: released.offers,
            };
          }
        }
        if (entry.status !== 'waiting')
          throw new AppError('INVALID_STATE', `A ${entry.status} entry cannot be left`);
        const left = await repo.updateEntry(trx, entryId, { status: 'left' }, now());
        await inventoryRepo.bumpVersion(trx, entry.event_id);
        await appendEvent(trx, {
          topic: 'waitlist.left',
          aggregateId: entry.id,
          payload: waitlistRef(entry),
        });
        await appendAudit(trx, {
          entity: 'waitlist_entry',
          entityId: entry.id,
          action: 'leave',
          ...actorOf(principal),
          after: { status: 'left' },
        });
        // The head may have been blocking smaller entries behind it.
        const offers = await promoteWaitlist(trx, entry.event_id, rules);
        return { entry: left ?? entry, offers };
      });
      if (outcome.offers.length > 0) scheduleExpiry(outcome.offers);
      return toWaitlistEntry(outcome.entry);
    },

    async mine(principal) {
      const rows = await repo.entriesOfUser(db, principal.userId);
      return rows.map(toWaitlistEntry);
    },

    async serveQueues() {
      const { closed, offers } = await serveWaitlists(db, rules);
      if (offers.length > 0) scheduleExpiry(offers);
      return { closed, offered: offers.length };
    },

    async forEvent(principal, input) {
      await termsFor(db, await roles.of(principal), principal, 'event.readBookings', input.eventId);
      const after = input.cursor ?? undefined;
      const rows = await repo.entriesOfEvent(db, input.eventId, after?.s, rowsFor(input.limit));
      // Join order: the position counts the whole queue, so page 2 goes on where page 1 stopped.
      return keysetPage(rows, input.limit, {
        item: toWaitlistEntry,
        sortKey: (r) => ({ s: r.join_seq }),
      });
    },
  };
}
