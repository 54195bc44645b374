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
import { authedProcedure, personOrKeyProcedure, router } from '../../trpc/procedures.js';

export const paymentsRouter = router({
  markPaid: personOrKeyProcedure
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
    .input(bookingIdInputSchema)
    .output(bookingPaymentsSchema)
    .query(({ ctx, input }) => ctx.services.payments.forBooking(ctx.principal, input.bookingId)),
});

export const refundsRouter = router({
  list: personOrKeyProcedure
    .input(listRefundsInputSchema)
    .output(refundPageSchema)
    .query(({ ctx, input }) => ctx.services.payments.listRefunds(ctx.principal, input)),
  markDone: personOrKeyProcedure
    .input(markRefundDoneInputSchema)
    .output(refundSchema)
    .mutation(({ ctx, input }) => ctx.services.payments.markRefundDone(ctx.principal, input)),
});
