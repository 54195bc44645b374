import type {
  Booking,
  BookingPayments,
  Checkout,
  MarkPaidInput,
  Page,
  Refund,
  RefundStatus,
} from '@evently/contracts';
import { appendEvent, type Database } from '@evently/db';
import type { Kysely } from 'kysely';
import { asMember, authorize } from '../../access/access-policy.js';
import { appendAudit } from '../../audit/audit.repository.js';
import { AppError } from '../../kernel/app-error.js';
import type { RequestLog } from '../../kernel/log.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import { keysetPage, rowsFor } from '../../kernel/page.js';
import { actorOf, type Principal } from '../../kernel/principal.js';
import type { PayableBooking } from '../bookings/booking-payments.js';
import type { BookingsWorkerService } from '../bookings/bookings.service.js';
import { readBookingTerms } from '../events/booking-terms.js';
import { netPaid, receivePayment } from './payment-receipt.js';
import { toPayment, toRefund } from './payments.mappers.js';
import { paymentsRepository as repo } from './payments.repository.js';
import type { RefundLedger } from './refund-ledger.js';
import { type StripeGateway, StripeRefused } from './stripe-gateway.js';

export interface PaymentsService {
  markPaid(principal: Principal, input: MarkPaidInput): Promise<Booking>;
  createCheckout(principal: Principal, bookingId: string): Promise<Checkout>;
  forBooking(principal: Principal, bookingId: string): Promise<BookingPayments>;
  listRefunds(
    principal: Principal,
    input: {
      eventId: string;
      status?: RefundStatus | undefined;
      limit: number;
      /** Decoded by the input schema: requested-at, id. */
      cursor?: { r: string; i: string } | null | undefined;
    },
  ): Promise<Page<Refund>>;
  markRefundDone(
    principal: Principal,
    input: { refundId: string; reference: string },
  ): Promise<Refund>;
}

export function createPaymentsService(deps: {
  db: Kysely<Database>;
  bookings: BookingsWorkerService;
  ledger: RefundLedger;
  roles: MemberRoles;
  /** Present when STRIPE_SECRET_KEY is set. */
  stripe?: StripeGateway | undefined;
  log: RequestLog;
  now: () => Date;
}): PaymentsService {
  const { db, bookings, roles, now } = deps;

  const factsOf = async (principal: Principal, booking: PayableBooking) =>
    asMember(
      { holderId: booking.userId, organizationId: booking.organizationId },
      await roles.of(principal),
    );

  async function found(bookingId: string): Promise<PayableBooking> {
    const booking = await bookings.findForPayment(bookingId);
    if (!booking) throw new AppError('NOT_FOUND', 'Booking not found');
    return booking;
  }

  return {
    async markPaid(principal, input) {
      // Roles first: asked inside the transaction, a cache miss would wait for a second connection.
      const facts = await factsOf(principal, await found(input.bookingId));
      await db.transaction().execute(async (trx) => {
        const booking = await bookings.lockForPayment(trx, input.bookingId);
        if (!booking) throw new AppError('NOT_FOUND', 'Booking not found');
        authorize(principal, 'booking.markPaid', facts);
        if (booking.totalCents === 0)
          throw new AppError('INVALID_STATE', 'A free booking takes no payment');
        if (input.amountCents !== booking.totalCents || input.currency !== booking.currency) {
          throw new AppError('PAYMENT_MISMATCH', 'The payment must equal the booking total', {
            totalCents: booking.totalCents,
            currency: booking.currency,
          });
        }
        if (booking.status === 'cancelled')
          throw new AppError('INVALID_STATE', 'A cancelled booking takes no payment');
        if ((await netPaid(trx, booking.id)) >= booking.totalCents)
          throw new AppError('INVALID_STATE', 'This booking is already paid');
        const receipt = await receivePayment(
          trx,
          deps,
          booking,
          { provider: 'manual', ...input, recordedBy: actorOf(principal) },
          now(),
        );
        // The manager still holds the money: nothing is recorded for a seat that cannot be sold.
        if (receipt.refused) throw receipt.refused;
      });
      return bookings.get(principal, input.bookingId);
    },

    async createCheckout(principal, bookingId) {
      const booking = await found(bookingId);
      authorize(principal, 'booking.pay', await factsOf(principal, booking));
      if (!deps.stripe) {
        throw new AppError(
          'INVALID_STATE',
          'Online payment is not configured: the organizer marks payments',
        );
      }
      if (booking.totalCents === 0)
        throw new AppError('INVALID_STATE', 'A free booking needs no payment');
      if (
        booking.status === 'expired' ||
        (booking.status === 'pending' && (booking.expiresAt?.getTime() ?? 0) <= now().getTime())
      )
        throw new AppError('BOOKING_EXPIRED', 'The hold has expired');
      if (booking.status !== 'pending')
        throw new AppError('INVALID_STATE', `A ${booking.status} booking takes no payment`);
      // Outside any transaction; the booking id as the idempotency key makes a second call (a
      // reload of the payment page) the same PaymentIntent.
      const intent = await deps.stripe
        .createPaymentIntent({
          bookingId: booking.id,
          amountCents: booking.totalCents,
          currency: booking.currency,
          // Only what never changes: Stripe refuses a key sent again with other parameters
          // (idempotency_error), so a renamed event's title here would fail every later call.
          description: `Evently booking ${booking.id} (${booking.quantity} × ticket)`,
        })
        .catch((error: unknown) => {
          deps.log.warn({ err: error, bookingId }, 'Stripe refused or failed a PaymentIntent');
          // Refused for good (an amount below Stripe's minimum, say): retrying will not help.
          if (error instanceof StripeRefused) {
            throw new AppError('INVALID_STATE', 'Online payment cannot take this booking', {
              reason: error.message,
            });
          }
          throw new AppError('SERVICE_UNAVAILABLE', 'Online payment is unavailable; retry shortly');
        });
      return { provider: 'stripe', clientSecret: intent.clientSecret, paymentIntentId: intent.id };
    },

    async forBooking(principal, bookingId) {
      const booking = await found(bookingId);
      authorize(principal, 'booking.viewPayments', await factsOf(principal, booking));
      const [payments, refunds] = await Promise.all([
        repo.paymentsOf(db, bookingId),
        repo.refundsOf(db, bookingId),
      ]);
      return { payments: payments.map(toPayment), refunds: refunds.map(toRefund) };
    },

    async listRefunds(principal, input) {
      const terms = await readBookingTerms(db, input.eventId);
      if (!terms) throw new AppError('NOT_FOUND', 'Event not found');
      authorize(principal, 'event.readRefunds', asMember(terms, await roles.of(principal)));
      const after = input.cursor ?? undefined;
      const rows = await repo.listRefunds(db, {
        eventId: input.eventId,
        status: input.status,
        after: after && { requestedAt: after.r, id: after.i },
        limit: rowsFor(input.limit),
      });
      return keysetPage(rows, input.limit, {
        item: toRefund,
        sortKey: (r) => ({ r: r.requested_at.toISOString(), i: r.id }),
      });
    },

    async markRefundDone(principal, input) {
      const refund = await repo.findRefund(db, input.refundId);
      if (!refund) throw new AppError('NOT_FOUND', 'Refund not found');
      const booking = await found(refund.booking_id);
      const facts = await factsOf(principal, booking);
      authorize(principal, 'booking.markRefunded', facts);
      const done = await db.transaction().execute(async (trx) => {
        const locked = await repo.lockRefund(trx, refund.id);
        if (locked?.status === 'succeeded') return locked;
        // A pending Stripe refund is the worker's to issue: paying it by hand too pays it twice.
        // (Without Stripe configured any more, no worker issues it: it is the manager's.)
        if (locked?.status === 'pending' && locked.provider === 'stripe' && deps.stripe) {
          throw new AppError('INVALID_STATE', 'Stripe is paying this refund');
        }
        const ended = await repo.completeRefund(trx, refund.id, ['pending', 'failed'], {
          status: 'succeeded',
          reference: input.reference,
          completed_at: now(),
          last_error: null,
        });
        if (!ended) throw new AppError('INVALID_STATE', 'The refund changed meanwhile');
        await appendEvent(trx, {
          topic: 'refund.succeeded',
          aggregateId: ended.id,
          payload: {
            refundId: ended.id,
            bookingId: ended.booking_id,
            eventId: ended.event_id,
            userId: booking.userId,
            amountCents: Number(ended.amount_cents),
            currency: ended.currency,
            reference: input.reference,
          },
        });
        await appendAudit(trx, {
          entity: 'refund',
          entityId: ended.id,
          action: 'mark-done',
          ...actorOf(principal),
          before: locked ? toRefund(locked) : null,
          after: toRefund(ended),
        });
        return ended;
      });
      return toRefund(done);
    },
  };
}
