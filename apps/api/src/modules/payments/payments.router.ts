import {
  bookingIdInputSchema,
  bookingPaymentsSchema,
  bookingSchema,
  checkoutSchema,
  createCheckoutInputSchema,
  listRefundsInputSchema,
  markPaidInputSchema,
  markRefundDoneInputSchema,
  refundPageSchema,
  refundSchema,
} from '@evently/contracts';
import { rest } from '../../trpc/procedure-meta.js';
import { authedProcedure, personOrKeyProcedure, router } from '../../trpc/procedures.js';

export const paymentsRouter = router({
  markPaid: personOrKeyProcedure
    .meta(rest('POST /bookings/{bookingId}/payments', 'payments', 'Record money received'))
    .input(markPaidInputSchema)
    .output(bookingSchema)
    .mutation(({ ctx, input }) => ctx.services.payments.markPaid(ctx.principal, input)),
  createCheckout: authedProcedure
    .input(createCheckoutInputSchema)
    .output(checkoutSchema)
    .mutation(({ ctx, input }) =>
      ctx.services.payments.createCheckout(ctx.principal, input.bookingId),
    ),
  forBooking: personOrKeyProcedure
    .meta(
      rest('GET /bookings/{bookingId}/payments', 'payments', 'Payments and refunds of a booking'),
    )
    .input(bookingIdInputSchema)
    .output(bookingPaymentsSchema)
    .query(({ ctx, input }) => ctx.services.payments.forBooking(ctx.principal, input.bookingId)),
});

export const refundsRouter = router({
  list: personOrKeyProcedure
    .meta(rest('GET /events/{eventId}/refunds', 'payments', 'The refunds of an event'))
    .input(listRefundsInputSchema)
    .output(refundPageSchema)
    .query(({ ctx, input }) => ctx.services.payments.listRefunds(ctx.principal, input)),
  markDone: personOrKeyProcedure
    .meta(rest('POST /refunds/{refundId}/done', 'payments', 'Record a refund paid outside Stripe'))
    .input(markRefundDoneInputSchema)
    .output(refundSchema)
    .mutation(({ ctx, input }) => ctx.services.payments.markRefundDone(ctx.principal, input)),
});
