import type {
  AuditEntry,
  Booking,
  BookingAvailability,
  BookingStatus,
  Page,
  WaitlistEntry,
} from '@evently/contracts';
import type { Database } from '@evently/db';
import type { LockPort, QueuePort } from '@evently/platform';
import type { Kysely, Transaction } from 'kysely';
import { allows, authorize } from '../../access/access-policy.js';
import { AppError } from '../../kernel/app-error.js';
import type { RequestLog } from '../../kernel/log.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import { keysetPage, rowsFor } from '../../kernel/page.js';
import { type Actor, actorOf, type Principal, type UserPrincipal } from '../../kernel/principal.js';
import { isOnSale, readBookingTerms } from '../events/booking-terms.js';
import { createAllocator, type EventLockPolicy } from './allocator.js';
import { answerBooking, answerBookingPage } from './booking-answers.js';
import { bookingAvailability } from './booking-availability.js';
import { bookingPayments, type PayableBooking } from './booking-payments.js';
import { toAuditEntry, toBookingWithLines } from './bookings.mappers.js';
import { type BookingRow, bookingsRepository as repo } from './bookings.repository.js';
import { type CancellationRefunds, refundOnCancel } from './cancellation-refunds.js';
import { confirmHold } from './confirm-hold.js';
import { asMembersSeeIt, holding, termsFor } from './event-access.js';
import { cancelEventBookings } from './event-cancellation.js';
import { type HoldExpiry, scheduleHoldExpiry } from './hold-expiry.js';
import { requestHash } from './idempotency.repository.js';
import { releaseBooking } from './release-booking.js';
import type { SeatRules } from './waitlist.js';
import { createWaitlistService } from './waitlist.service.js';

/** An order as `bookings.create` takes it: items, or a bare quantity (Part 1's call). */
export interface OrderInput {
  eventId: string;
  items?: Array<{ ticketTypeId: string; quantity: number }> | undefined;
  quantity?: number | undefined;
  voucherCode?: string | undefined;
  idempotencyKey?: string | undefined;
}

export interface BookingsService {
  create(principal: UserPrincipal, input: OrderInput): Promise<Booking>;
  confirm(principal: Principal, bookingId: string): Promise<Booking>;
  cancel(
    principal: Principal,
    input: { bookingId: string; reason?: string | undefined },
  ): Promise<Booking>;
  get(principal: Principal, bookingId: string): Promise<Booking>;
  mine(
    principal: UserPrincipal,
    input: {
      limit: number;
      /** Decoded by the input schema: created-at, id. */
      cursor?: { c: string; i: string } | null | undefined;
      status?: BookingStatus | undefined;
    },
  ): Promise<Page<Booking>>;
  availability(eventId: string): Promise<BookingAvailability>;
  listForEvent(
    principal: Principal,
    input: {
      eventId: string;
      limit: number;
      cursor?: { c: string; i: string } | null | undefined;
      status?: BookingStatus | undefined;
    },
  ): Promise<Page<Booking>>;
  audit(
    principal: Principal,
    input: {
      limit: number;
      /** Decoded by the input schema: the audit sequence number. */
      cursor?: { s: string } | null | undefined;
      bookingId?: string | undefined;
      eventId?: string | undefined;
    },
  ): Promise<Page<AuditEntry>>;
  joinWaitlist(
    principal: UserPrincipal,
    input: {
      eventId: string;
      ticketTypeId?: string | undefined;
      quantity: number;
      idempotencyKey?: string | undefined;
    },
  ): Promise<WaitlistEntry>;
  leaveWaitlist(principal: UserPrincipal, entryId: string): Promise<WaitlistEntry>;
  myWaitlist(principal: UserPrincipal): Promise<WaitlistEntry[]>;
  waitlistForEvent(
    principal: Principal,
    input: { eventId: string; limit: number; cursor?: { s: string } | null | undefined },
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
export interface BookingsWorkerService extends BookingsService {
  /** `expireHold` that also says until when a pending hold is not due (the job re-schedules). */
  expireHoldIfDue(bookingId: string): Promise<HoldExpiry>;
  /**
   * The worker's job: closes the waitlists of events whose sales have closed, and serves those
   * whose seats came free without a release (a quota raised, a contingent over).
   */
  serveWaitlists(): Promise<{ closed: number; offered: number }>;
  /** The payments module's view of a booking (undefined: no such booking). */
  findForPayment(bookingId: string): Promise<PayableBooking | undefined>;
  /** The same, locked in the payments module's transaction. */
  lockForPayment(
    trx: Transaction<Database>,
    bookingId: string,
  ): Promise<PayableBooking | undefined>;
  /**
   * Money arrived for the booking `lockForPayment` locked: a pending one is confirmed, an expired
   * one sold again if its seats can still be allocated. Answers the refusal otherwise.
   */
  confirmPaid(
    trx: Transaction<Database>,
    bookingId: string,
    actor: Actor,
  ): Promise<AppError | undefined>;
  /** Event cancelled (domain event): cancel every booking, close the waitlist. */
  onEventCancelled(
    trx: Transaction<Database>,
    event: { eventId: string; reason: string },
  ): Promise<void>;
}

export function createBookingsService(deps: {
  db: Kysely<Database>;
  locks: LockPort;
  queue: QueuePort;
  log: RequestLog;
  holdMinutes: number;
  offerMinutes: number;
  /** Default 'contended'. */
  eventLock?: EventLockPolicy;
  /** The caller's organization roles (what they may do to an event's bookings). */
  roles: MemberRoles;
  /** Records what cancelled paid bookings are owed (the payments module). */
  refunds: CancellationRefunds;
  now: () => Date;
}): BookingsWorkerService {
  const { db, roles, now } = deps;
  const rules: SeatRules = { offerMinutes: deps.offerMinutes, now };

  const scheduleExpiry = (holds: BookingRow[]) =>
    scheduleHoldExpiry(deps.queue, holds, now(), deps.log);
  const waitlist = createWaitlistService({ db, roles, queue: deps.queue, log: deps.log, rules });

  const allocator = createAllocator({
    db,
    locks: deps.locks,
    holdMinutes: deps.holdMinutes,
    lockWhen: deps.eventLock ?? 'contended',
    log: deps.log,
    now,
    onHolds: scheduleExpiry,
  });

  /** The booking, once the access policy lets the caller do `action` to it. */
  async function bookingFor(
    principal: Principal,
    action: 'booking.view' | 'booking.readAudit',
    bookingId: string,
  ): Promise<BookingRow> {
    const row = await repo.findBooking(db, bookingId);
    if (!row) throw new AppError('NOT_FOUND', 'Booking not found');
    const terms = await readBookingTerms(db, row.event_id);
    authorize(principal, action, holding(await roles.of(principal), row, terms));
    return row;
  }

  const service: BookingsWorkerService = {
    async create(principal, input) {
      const row = await allocator
        .book(input.eventId, {
          principal,
          ...(input.items ? { items: input.items } : {}),
          ...(input.quantity !== undefined ? { quantity: input.quantity } : {}),
          ...(input.voucherCode ? { voucherCode: input.voucherCode } : {}),
          idempotencyKey: input.idempotencyKey,
          // The same order again (a voucher's case aside) is the same request.
          requestHash: requestHash({
            eventId: input.eventId,
            quantity: input.quantity,
            items: input.items,
            voucherCode: input.voucherCode?.toLowerCase(),
          }),
        })
        .catch(async (error: unknown) => {
          throw await asMembersSeeIt(error, db, roles, principal, input.eventId);
        });
      // Written by this batch: answered from what it wrote, with no read of it.
      return row.lines ? toBookingWithLines(row, row.lines) : answerBooking(db, row);
    },

    async confirm(principal, bookingId) {
      const seen = await roles.of(principal);
      const outcome = await db.transaction().execute(async (trx) => {
        const booking = await repo.lockBooking(trx, bookingId);
        if (!booking) throw new AppError('NOT_FOUND', 'Booking not found');
        const terms = await readBookingTerms(trx, booking.event_id);
        const facts = holding(seen, booking, terms);
        authorize(principal, 'booking.confirm', facts);
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
        // A paid booking is confirmed by its payment; a manager's confirmation without one is the
        // override, audited as such.
        const paid = Number(booking.total_cents) > 0;
        if (paid && !allows(principal, 'booking.confirmUnpaid', facts)) {
          throw new AppError('PAYMENT_REQUIRED', 'This booking is confirmed by its payment', {
            totalCents: Number(booking.total_cents),
            currency: booking.currency,
          });
        }
        // Confirmed without money, a hold is confirmed inside the sales window only (a sale
        // after the close is refused, as pretix refuses a checkout after presale end). A payment
        // for a live hold confirms it even after the close: the buyer paid while it was theirs.
        if (!terms || !isOnSale(terms, now()))
          throw new AppError('EVENT_NOT_BOOKABLE', 'This event is not on sale');
        const confirmed = await confirmHold(
          trx,
          booking,
          { ...actorOf(principal), action: paid ? 'confirm-unpaid' : 'confirm' },
          now(),
        );
        return { row: confirmed, offers: [] as BookingRow[] };
      });
      if (outcome.offers.length > 0) scheduleExpiry(outcome.offers);
      if ('expired' in outcome) throw new AppError('BOOKING_EXPIRED', 'The hold has expired');
      return answerBooking(db, outcome.row);
    },

    async cancel(principal, input) {
      const seen = await roles.of(principal);
      const outcome = await db.transaction().execute(async (trx) => {
        const booking = await repo.lockBooking(trx, input.bookingId);
        if (!booking) throw new AppError('NOT_FOUND', 'Booking not found');
        const terms = await readBookingTerms(trx, booking.event_id);
        const facts = holding(seen, booking, terms);
        authorize(principal, 'booking.cancel', facts);
        if (booking.status !== 'pending' && booking.status !== 'confirmed') {
          throw new AppError('INVALID_STATE', `A ${booking.status} booking cannot be cancelled`);
        }
        // Refused after the policy's deadline: before anything changes.
        const owed = await refundOnCancel(trx, booking, {
          organizer: allows(principal, 'booking.markPaid', facts),
          reason: input.reason,
          now: now(),
        });
        const released = await releaseBooking(
          trx,
          booking,
          'cancelled',
          { reason: input.reason ?? null, ...actorOf(principal) },
          rules,
        );
        if (!released.booking) throw new AppError('INVALID_STATE', 'The booking changed meanwhile');
        if (owed) await deps.refunds.record(trx, [owed], now());
        return { row: released.booking, offers: released.offers };
      });
      if (outcome.offers.length > 0) scheduleExpiry(outcome.offers);
      return answerBooking(db, outcome.row);
    },

    async get(principal, bookingId) {
      return answerBooking(db, await bookingFor(principal, 'booking.view', bookingId));
    },

    async mine(principal, input) {
      const after = input.cursor ?? undefined;
      const rows = await repo.listBookings(db, {
        userId: principal.userId,
        status: input.status,
        after: after && { createdAt: after.c, id: after.i },
        limit: rowsFor(input.limit),
      });
      return answerBookingPage(db, rows, input.limit);
    },

    availability: (eventId) => bookingAvailability(db, eventId, now()),

    async listForEvent(principal, input) {
      const seen = await roles.of(principal);
      await termsFor(db, seen, principal, 'event.readAttendees', input.eventId);
      const after = input.cursor ?? undefined;
      const rows = await repo.listBookings(db, {
        eventId: input.eventId,
        status: input.status,
        after: after && { createdAt: after.c, id: after.i },
        limit: rowsFor(input.limit),
      });
      return answerBookingPage(db, rows, input.limit);
    },

    async audit(principal, input) {
      let entityIds: string[];
      if (input.bookingId) {
        entityIds = [(await bookingFor(principal, 'booking.readAudit', input.bookingId)).id];
      } else {
        const seen = await roles.of(principal);
        await termsFor(db, seen, principal, 'event.readBookings', input.eventId ?? '');
        entityIds = [];
      }
      const after = input.cursor ?? undefined;
      const rows = await repo.auditEntries(db, {
        bookingIds: entityIds,
        eventId: entityIds.length ? undefined : input.eventId,
        beforeSeq: after?.s,
        limit: rowsFor(input.limit),
      });
      return keysetPage(rows, input.limit, { item: toAuditEntry, sortKey: (r) => ({ s: r.seq }) });
    },

    joinWaitlist: (principal, input) => waitlist.join(principal, input),
    leaveWaitlist: (principal, entryId) => waitlist.leave(principal, entryId),
    myWaitlist: (principal) => waitlist.mine(principal),
    waitlistForEvent: (principal, input) => waitlist.forEvent(principal, input),
    serveWaitlists: () => waitlist.serveQueues(),

    async expireHold(bookingId) {
      return (await service.expireHoldIfDue(bookingId)).expired;
    },

    async expireHoldIfDue(bookingId) {
      const outcome = await db.transaction().execute(async (trx) => {
        const booking = await repo.lockBooking(trx, bookingId);
        if (booking?.status !== 'pending') {
          return { expired: false, notDueUntil: null, offers: [] as BookingRow[] };
        }
        if ((booking.expires_at?.getTime() ?? 0) > now().getTime()) {
          return { expired: false, notDueUntil: booking.expires_at, offers: [] as BookingRow[] };
        }
        const released = await releaseBooking(
          trx,
          booking,
          'expired',
          { reason: null, actorId: null },
          rules,
        );
        return {
          expired: released.booking !== undefined,
          notDueUntil: null,
          offers: released.offers,
        };
      });
      if (outcome.offers.length > 0) scheduleExpiry(outcome.offers);
      return { expired: outcome.expired, notDueUntil: outcome.notDueUntil };
    },

    async sweepExpiredHolds() {
      const due = await repo.dueHolds(db, now(), 500);
      let expired = 0;
      for (const { id } of due) if (await service.expireHold(id)) expired++;
      return expired;
    },

    ...bookingPayments({ db, holdMinutes: deps.holdMinutes, now }),

    onEventCancelled: (trx, event) => cancelEventBookings(trx, event, deps.refunds, now()),
  };
  return service;
}
