import { randomUUID } from 'node:crypto';
import {
  type AuditEntry,
  type Booking,
  type BookingAvailability,
  type BookingStatus,
  decodeCursor,
  encodeCursor,
  type Page,
  type WaitlistEntry,
} from '@evently/contracts';
import { appendEvent, appendEvents, type Database } from '@evently/db';
import type { LockPort, QueuePort } from '@evently/platform';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { appendAudit } from '../../audit/audit.repository.js';
import { AppError } from '../../errors/app-error.js';
import type { Principal, RequestLog } from '../../trpc/context.js';
import { readBookingTerms } from '../events/booking-terms.js';
import { createAllocator } from './allocator.js';
import { bookingRef, toBooking, toWaitlistEntry } from './bookings.mappers.js';
import { type BookingRow, bookingsRepository as repo } from './bookings.repository.js';
import { idempotencyRepository, requestHash } from './idempotency.repository.js';
import { promoteWaitlist, releaseBooking, type SeatRules } from './waitlist.js';

export const BOOKING_JOBS_QUEUE = 'jobs.bookings';
export const EXPIRE_JOB = 'expire-hold';
const JOIN_SCOPE = 'bookings.waitlist.join';

/** An exact delayed job per hold; if Redis loses it, the sweeper expires the hold anyway. */
export function scheduleHoldExpiry(
  queue: QueuePort,
  holds: BookingRow[],
  now: Date,
  log: RequestLog,
): void {
  if (holds.length === 0) return;
  const jobs = holds.map((hold) => ({
    name: EXPIRE_JOB,
    data: { bookingId: hold.id },
    options: {
      jobId: `expire.${hold.id}`,
      delayMs: Math.max(0, (hold.expires_at?.getTime() ?? now.getTime()) - now.getTime()),
    },
  }));
  queue.addBulk(BOOKING_JOBS_QUEUE, jobs).catch((error: unknown) => {
    log.warn(
      { err: error, holds: holds.length },
      'cannot schedule hold expiry; the sweeper will expire them',
    );
  });
}

export interface BookingsService {
  create(
    principal: Principal,
    input: { eventId: string; quantity: number; idempotencyKey?: string | undefined },
  ): Promise<Booking>;
  confirm(principal: Principal, bookingId: string): Promise<Booking>;
  cancel(
    principal: Principal,
    input: { bookingId: string; reason?: string | undefined },
  ): Promise<Booking>;
  get(principal: Principal, bookingId: string): Promise<Booking>;
  mine(
    principal: Principal,
    input: {
      limit: number;
      cursor?: string | null | undefined;
      status?: BookingStatus | undefined;
    },
  ): Promise<Page<Booking>>;
  availability(eventId: string): Promise<BookingAvailability>;
  listForEvent(
    principal: Principal,
    input: {
      eventId: string;
      limit: number;
      cursor?: string | null | undefined;
      status?: BookingStatus | undefined;
    },
  ): Promise<Page<Booking>>;
  audit(
    principal: Principal,
    input: {
      limit: number;
      cursor?: string | null | undefined;
      bookingId?: string | undefined;
      eventId?: string | undefined;
    },
  ): Promise<Page<AuditEntry>>;
  joinWaitlist(
    principal: Principal,
    input: { eventId: string; quantity: number; idempotencyKey?: string | undefined },
  ): Promise<WaitlistEntry>;
  leaveWaitlist(principal: Principal, entryId: string): Promise<WaitlistEntry>;
  myWaitlist(principal: Principal): Promise<WaitlistEntry[]>;
  waitlistForEvent(
    principal: Principal,
    input: { eventId: string; limit: number; cursor?: string | null | undefined },
  ): Promise<Page<WaitlistEntry>>;
  /** The delayed job at expiresAt and the sweeper: idempotent. Returns whether it expired the hold. */
  expireHold(bookingId: string): Promise<boolean>;
  /** The sweeper: expires every hold past its time (the safety net for lost delayed jobs). */
  sweepExpiredHolds(): Promise<number>;
}

/**
 * What the worker's consumer needs beyond the procedures. Kept off `BookingsService`: that one is
 * part of the tRPC context type, and a Kysely type there would leak into the SDK's declarations.
 */
export interface BookingsModule extends BookingsService {
  /** Event cancelled (domain event): cancel every booking, close the waitlist. */
  onEventCancelled(
    trx: Transaction<Database>,
    event: { eventId: string; reason: string },
  ): Promise<void>;
}

const pageCursor = z.object({ c: z.string(), i: z.uuid() });
const seqCursor = z.object({ s: z.string() });
const auditCursor = z.object({ s: z.string() });

export function createBookingsService(deps: {
  db: Kysely<Database>;
  locks: LockPort;
  queue: QueuePort;
  log: RequestLog;
  holdMinutes: number;
  offerMinutes: number;
  now: () => Date;
}): BookingsModule {
  const { db, now } = deps;
  const rules: SeatRules = { offerMinutes: deps.offerMinutes, now };

  /** An exact delayed job per hold; if Redis loses it, the sweeper expires the hold anyway. */
  function scheduleExpiry(holds: BookingRow[]): void {
    const jobs = holds.map((hold) => ({
      name: EXPIRE_JOB,
      data: { bookingId: hold.id },
      options: {
        jobId: `expire.${hold.id}`,
        delayMs: Math.max(0, (hold.expires_at?.getTime() ?? now().getTime()) - now().getTime()),
      },
    }));
    deps.queue.addBulk(BOOKING_JOBS_QUEUE, jobs).catch((error: unknown) => {
      deps.log.warn(
        { err: error, holds: holds.length },
        'cannot schedule hold expiry; the sweeper will expire them',
      );
    });
  }

  const allocator = createAllocator({
    db,
    locks: deps.locks,
    holdMinutes: deps.holdMinutes,
    log: deps.log,
    now,
    onHolds: scheduleExpiry,
  });

  async function requireOrganizerOf(principal: Principal, eventId: string): Promise<void> {
    const terms = await readBookingTerms(db, eventId);
    if (
      !terms ||
      (terms.status === 'draft' &&
        principal.role !== 'admin' &&
        terms.organizerId !== principal.userId)
    ) {
      throw new AppError('NOT_FOUND', 'Event not found');
    }
    if (principal.role !== 'admin' && terms.organizerId !== principal.userId) {
      throw new AppError('FORBIDDEN', 'Only the event organizer may see this');
    }
  }

  /** The booking, if the caller may see it: its owner, the event's organizer, or an admin. */
  async function visibleBooking(principal: Principal, bookingId: string): Promise<BookingRow> {
    const row = await repo.findBooking(db, bookingId);
    if (!row) throw new AppError('NOT_FOUND', 'Booking not found');
    if (row.user_id === principal.userId || principal.role === 'admin') return row;
    const terms = await readBookingTerms(db, row.event_id);
    if (terms?.organizerId === principal.userId) return row;
    throw new AppError('NOT_FOUND', 'Booking not found');
  }

  function page<T extends { created_at: Date; id: string }>(rows: T[], limit: number) {
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        rows.length > limit && last
          ? encodeCursor({ c: last.created_at.toISOString(), i: last.id })
          : null,
    };
  }

  const service: BookingsModule = {
    async create(principal, input) {
      const row = await allocator.book(input.eventId, {
        userId: principal.userId,
        quantity: input.quantity,
        idempotencyKey: input.idempotencyKey,
        requestHash: requestHash({ eventId: input.eventId, quantity: input.quantity }),
      });
      return toBooking(row);
    },

    async confirm(principal, bookingId) {
      const outcome = await db.transaction().execute(async (trx) => {
        const booking = await repo.lockBooking(trx, bookingId);
        if (!booking || (booking.user_id !== principal.userId && principal.role !== 'admin')) {
          throw new AppError('NOT_FOUND', 'Booking not found');
        }
        if (booking.status === 'confirmed') return { row: booking, offers: [] as BookingRow[] };
        if (booking.status === 'expired')
          throw new AppError('BOOKING_EXPIRED', 'The hold has expired');
        if (booking.status !== 'pending')
          throw new AppError('INVALID_STATE', `A ${booking.status} booking cannot be confirmed`);
        if ((booking.expires_at?.getTime() ?? 0) <= now().getTime()) {
          // Late: expire it now (the same as the job would) and say so.
          const released = await releaseBooking(
            trx,
            booking,
            'expired',
            { reason: null, actorId: null },
            rules,
          );
          return { expired: true as const, offers: released.offers };
        }
        const confirmed = await repo.updateBookingStatus(
          trx,
          booking.id,
          'pending',
          { status: 'confirmed', confirmed_at: now() },
          now(),
        );
        if (!confirmed) throw new AppError('INVALID_STATE', 'The booking changed meanwhile');
        await repo.adjustSeats(trx, booking.event_id, {
          confirmed: booking.quantity,
          held: -booking.quantity,
        });
        const events: Parameters<typeof appendEvents>[1] = [
          { topic: 'booking.confirmed', aggregateId: booking.id, payload: bookingRef(confirmed) },
        ];
        if (booking.waitlist_entry_id) {
          const entry = await repo.updateEntry(
            trx,
            booking.waitlist_entry_id,
            { status: 'converted' },
            now(),
          );
          if (entry) {
            events.push({
              topic: 'waitlist.converted',
              aggregateId: entry.id,
              payload: {
                entryId: entry.id,
                eventId: entry.event_id,
                userId: entry.user_id,
                quantity: entry.quantity,
                bookingId: booking.id,
              },
            });
          }
        }
        await appendEvents(trx, events);
        await appendAudit(trx, {
          entity: 'booking',
          entityId: booking.id,
          action: 'confirm',
          actorId: principal.userId,
          before: toBooking(booking),
          after: toBooking(confirmed),
        });
        return { row: confirmed, offers: [] as BookingRow[] };
      });
      if (outcome.offers.length > 0) scheduleExpiry(outcome.offers);
      if ('expired' in outcome) throw new AppError('BOOKING_EXPIRED', 'The hold has expired');
      return toBooking(outcome.row);
    },

    async cancel(principal, input) {
      const outcome = await db.transaction().execute(async (trx) => {
        const booking = await repo.lockBooking(trx, input.bookingId);
        if (!booking) throw new AppError('NOT_FOUND', 'Booking not found');
        const mine = booking.user_id === principal.userId || principal.role === 'admin';
        if (!mine) {
          const terms = await readBookingTerms(trx, booking.event_id);
          if (terms?.organizerId !== principal.userId)
            throw new AppError('NOT_FOUND', 'Booking not found');
        }
        if (booking.status !== 'pending' && booking.status !== 'confirmed') {
          throw new AppError('INVALID_STATE', `A ${booking.status} booking cannot be cancelled`);
        }
        const released = await releaseBooking(
          trx,
          booking,
          'cancelled',
          { reason: input.reason ?? null, actorId: principal.userId },
          rules,
        );
        if (!released.booking) throw new AppError('INVALID_STATE', 'The booking changed meanwhile');
        return { row: released.booking, offers: released.offers };
      });
      if (outcome.offers.length > 0) scheduleExpiry(outcome.offers);
      return toBooking(outcome.row);
    },

    async get(principal, bookingId) {
      return toBooking(await visibleBooking(principal, bookingId));
    },

    async mine(principal, input) {
      const after = input.cursor ? decodeCursor(input.cursor, pageCursor) : undefined;
      const rows = await repo.listBookings(db, {
        userId: principal.userId,
        status: input.status,
        after: after && { createdAt: after.c, id: after.i },
        limit: input.limit + 1,
      });
      const p = page(rows, input.limit);
      return { items: p.items.map(toBooking), nextCursor: p.nextCursor };
    },

    async availability(eventId) {
      const terms = await readBookingTerms(db, eventId);
      if (!terms || terms.status === 'draft') throw new AppError('NOT_FOUND', 'Event not found');
      const [inventory, waitlistLength] = await Promise.all([
        repo.readInventory(db, eventId),
        repo.waitingCount(db, eventId),
      ]);
      if (!inventory) throw new AppError('NOT_FOUND', 'Event not found');
      const available =
        terms.status === 'published'
          ? inventory.capacity - inventory.confirmed - inventory.held
          : 0;
      return {
        capacity: inventory.capacity,
        confirmed: inventory.confirmed,
        held: inventory.held,
        available,
        waitlistLength,
        soldOut: terms.status === 'published' && (available <= 0 || waitlistLength > 0),
      };
    },

    async listForEvent(principal, input) {
      await requireOrganizerOf(principal, input.eventId);
      const after = input.cursor ? decodeCursor(input.cursor, pageCursor) : undefined;
      const rows = await repo.listBookings(db, {
        eventId: input.eventId,
        status: input.status,
        after: after && { createdAt: after.c, id: after.i },
        limit: input.limit + 1,
      });
      const p = page(rows, input.limit);
      return { items: p.items.map(toBooking), nextCursor: p.nextCursor };
    },

    async audit(principal, input) {
      let entityIds: string[];
      if (input.bookingId) {
        const booking = await visibleBooking(principal, input.bookingId);
        if (booking.user_id === principal.userId && principal.role !== 'admin') {
          const terms = await readBookingTerms(db, booking.event_id);
          if (terms?.organizerId !== principal.userId)
            throw new AppError('FORBIDDEN', 'Only the event organizer may see this');
        }
        entityIds = [booking.id];
      } else {
        await requireOrganizerOf(principal, input.eventId ?? '');
        entityIds = [];
      }
      const after = input.cursor ? decodeCursor(input.cursor, auditCursor) : undefined;
      const rows = await repo.auditEntries(db, {
        bookingIds: entityIds,
        eventId: entityIds.length ? undefined : input.eventId,
        beforeSeq: after?.s,
        limit: input.limit + 1,
      });
      const items = rows.slice(0, input.limit);
      const last = items.at(-1);
      return {
        items: items.map((r) => ({
          id: r.id,
          entity: r.entity,
          entityId: r.entity_id,
          action: r.action,
          actorId: r.actor_id,
          before: r.before,
          after: r.after,
          at: r.at.toISOString(),
        })),
        nextCursor: rows.length > input.limit && last ? encodeCursor({ s: last.seq }) : null,
      };
    },

    async joinWaitlist(principal, input) {
      const outcome = await db.transaction().execute(async (trx) => {
        const terms = await readBookingTerms(trx, input.eventId);
        if (!terms || terms.status === 'draft') throw new AppError('NOT_FOUND', 'Event not found');
        if (terms.status !== 'published')
          throw new AppError('EVENT_NOT_BOOKABLE', 'This event is not on sale');
        if (input.quantity > terms.maxPerBooking) {
          throw new AppError(
            'QUANTITY_LIMIT_EXCEEDED',
            `At most ${terms.maxPerBooking} seats per booking`,
          );
        }
        // Serialises with releases and promotions; the version bump makes a racing allocator retry.
        const inventory = await repo.lockInventory(trx, input.eventId);
        if (!inventory) throw new AppError('EVENT_NOT_BOOKABLE', 'This event is not on sale');
        const joinHash = requestHash({ eventId: input.eventId, quantity: input.quantity });
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
            ? await repo.findEntry(trx, existing.resultId)
            : undefined;
          if (entry) return { entry, offers: [] as BookingRow[] };
        }
        if (await repo.userHasLiveEntry(trx, input.eventId, principal.userId)) {
          throw new AppError('INVALID_STATE', 'You are already on this waitlist');
        }
        const waiting = await repo.waitingCount(trx, input.eventId);
        const available = inventory.capacity - inventory.confirmed - inventory.held;
        if (waiting === 0 && available >= input.quantity) {
          throw new AppError('INVALID_STATE', 'Seats are available: book them directly');
        }
        const entry = await repo.insertEntry(trx, {
          id: randomUUID(),
          event_id: input.eventId,
          user_id: principal.userId,
          quantity: input.quantity,
          status: 'waiting',
          updated_at: now(),
        });
        await repo.bumpInventoryVersion(trx, input.eventId);
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
          payload: {
            entryId: entry.id,
            eventId: entry.event_id,
            userId: entry.user_id,
            quantity: entry.quantity,
          },
        });
        await appendAudit(trx, {
          entity: 'waitlist_entry',
          entityId: entry.id,
          action: 'join',
          actorId: principal.userId,
          after: toWaitlistEntry(entry),
        });
        const offers = await promoteWaitlist(trx, input.eventId, rules);
        return { entry: (await repo.findEntry(trx, entry.id)) ?? entry, offers };
      });
      if (outcome.offers.length > 0) scheduleExpiry(outcome.offers);
      return toWaitlistEntry(outcome.entry);
    },

    async leaveWaitlist(principal, entryId) {
      const outcome = await db.transaction().execute(async (trx) => {
        const entry = await repo.lockEntry(trx, entryId);
        if (!entry || entry.user_id !== principal.userId)
          throw new AppError('NOT_FOUND', 'Waitlist entry not found');
        if (entry.status === 'offered' && entry.offer_booking_id) {
          // Leaving with an offer in hand declines it: its seats pass on.
          const offer = await repo.lockBooking(trx, entry.offer_booking_id);
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
        await repo.lockInventory(trx, entry.event_id);
        await repo.bumpInventoryVersion(trx, entry.event_id);
        await appendEvent(trx, {
          topic: 'waitlist.left',
          aggregateId: entry.id,
          payload: {
            entryId: entry.id,
            eventId: entry.event_id,
            userId: entry.user_id,
            quantity: entry.quantity,
          },
        });
        await appendAudit(trx, {
          entity: 'waitlist_entry',
          entityId: entry.id,
          action: 'leave',
          actorId: principal.userId,
          after: { status: 'left' },
        });
        // The head may have been blocking smaller entries behind it.
        const offers = await promoteWaitlist(trx, entry.event_id, rules);
        return { entry: left ?? entry, offers };
      });
      if (outcome.offers.length > 0) scheduleExpiry(outcome.offers);
      return toWaitlistEntry(outcome.entry);
    },

    async myWaitlist(principal) {
      const rows = await repo.entriesOfUser(db, principal.userId);
      return rows.map((r) => toWaitlistEntry(r, r.position === null ? null : Number(r.position)));
    },

    async waitlistForEvent(principal, input) {
      await requireOrganizerOf(principal, input.eventId);
      const after = input.cursor ? decodeCursor(input.cursor, seqCursor) : undefined;
      const rows = await repo.entriesOfEvent(db, input.eventId, after?.s, input.limit + 1);
      const items = rows.slice(0, input.limit);
      const last = items.at(-1);
      return {
        items: items.map((r) =>
          toWaitlistEntry(r, r.position === null ? null : Number(r.position)),
        ),
        nextCursor: rows.length > input.limit && last ? encodeCursor({ s: last.join_seq }) : null,
      };
    },

    async expireHold(bookingId) {
      const outcome = await db.transaction().execute(async (trx) => {
        const booking = await repo.lockBooking(trx, bookingId);
        if (
          !booking ||
          booking.status !== 'pending' ||
          (booking.expires_at?.getTime() ?? 0) > now().getTime()
        ) {
          return { expired: false, offers: [] as BookingRow[] };
        }
        const released = await releaseBooking(
          trx,
          booking,
          'expired',
          { reason: null, actorId: null },
          rules,
        );
        return { expired: released.booking !== undefined, offers: released.offers };
      });
      if (outcome.offers.length > 0) scheduleExpiry(outcome.offers);
      return outcome.expired;
    },

    async sweepExpiredHolds() {
      const due = await repo.dueHolds(db, now(), 500);
      let expired = 0;
      for (const { id } of due) if (await service.expireHold(id)) expired++;
      return expired;
    },

    async onEventCancelled(trx, event) {
      const at = now();
      const bookings = await repo.liveBookingsOfEvent(trx, event.eventId);
      const entries = await repo.liveEntriesOfEvent(trx, event.eventId);
      const events: Parameters<typeof appendEvents>[1] = [];
      let confirmed = 0;
      let held = 0;
      for (const booking of bookings) {
        const ended = await repo.updateBookingStatus(
          trx,
          booking.id,
          booking.status,
          { status: 'cancelled', cancelled_at: at, cancel_reason: 'event cancelled' },
          at,
        );
        if (!ended) continue;
        if (booking.status === 'confirmed') confirmed += booking.quantity;
        else held += booking.quantity;
        events.push({
          topic: 'booking.cancelled',
          aggregateId: booking.id,
          payload: {
            ...bookingRef(ended),
            previousStatus: booking.status,
            reason: `event cancelled: ${event.reason}`,
            cancelledBy: null,
          },
        });
      }
      for (const entry of entries) {
        await repo.updateEntry(trx, entry.id, { status: 'closed' }, at);
        events.push({
          topic: 'waitlist.closed',
          aggregateId: entry.id,
          payload: {
            entryId: entry.id,
            eventId: entry.event_id,
            userId: entry.user_id,
            quantity: entry.quantity,
            reason: event.reason,
          },
        });
      }
      if (confirmed || held)
        await repo.adjustSeats(trx, event.eventId, { confirmed: -confirmed, held: -held });
      await appendEvents(trx, events);
    },
  };
  return service;
}
