import {
  auditPageSchema,
  availabilitySchema,
  bookingAuditInputSchema,
  bookingIdInputSchema,
  bookingPageSchema,
  bookingSchema,
  cancelBookingInputSchema,
  createBookingInputSchema,
  eventBookingsInputSchema,
  eventIdOnlyInputSchema,
  joinWaitlistInputSchema,
  leaveWaitlistInputSchema,
  myBookingsInputSchema,
  waitlistEntrySchema,
  waitlistForEventInputSchema,
  waitlistPageSchema,
} from '@evently/contracts';
import { z } from 'zod';
import { authedProcedure, publicProcedure, router } from '../../trpc/procedures.js';

export const bookingsRouter = router({
  create: authedProcedure
    .input(createBookingInputSchema)
    .output(bookingSchema)
    .mutation(({ ctx, input }) => {
      const order = () => ctx.services.bookings.create(ctx.principal, input);
      // A code in an order is a guess like vouchers.check's, on the same budget.
      if (!input.voucherCode) return order();
      return ctx.services.vouchers.asGuess(ctx.ip, input.eventId, order);
    }),
  confirm: authedProcedure
    .input(bookingIdInputSchema)
    .output(bookingSchema)
    .mutation(({ ctx, input }) => ctx.services.bookings.confirm(ctx.principal, input.bookingId)),
  cancel: authedProcedure
    .input(cancelBookingInputSchema)
    .output(bookingSchema)
    .mutation(({ ctx, input }) => ctx.services.bookings.cancel(ctx.principal, input)),
  get: authedProcedure
    .input(bookingIdInputSchema)
    .output(bookingSchema)
    .query(({ ctx, input }) => ctx.services.bookings.get(ctx.principal, input.bookingId)),
  mine: authedProcedure
    .input(myBookingsInputSchema)
    .output(bookingPageSchema)
    .query(({ ctx, input }) => ctx.services.bookings.mine(ctx.principal, input)),
  availability: publicProcedure
    .input(eventIdOnlyInputSchema)
    .output(availabilitySchema)
    .query(({ ctx, input }) => ctx.services.bookings.availability(input.eventId)),
  listForEvent: authedProcedure
    .input(eventBookingsInputSchema)
    .output(bookingPageSchema)
    .query(({ ctx, input }) => ctx.services.bookings.listForEvent(ctx.principal, input)),
  audit: authedProcedure
    .input(bookingAuditInputSchema)
    .output(auditPageSchema)
    .query(({ ctx, input }) => ctx.services.bookings.audit(ctx.principal, input)),
  waitlist: router({
    join: authedProcedure
      .input(joinWaitlistInputSchema)
      .output(waitlistEntrySchema)
      .mutation(({ ctx, input }) => ctx.services.bookings.joinWaitlist(ctx.principal, input)),
    leave: authedProcedure
      .input(leaveWaitlistInputSchema)
      .output(waitlistEntrySchema)
      .mutation(({ ctx, input }) =>
        ctx.services.bookings.leaveWaitlist(ctx.principal, input.entryId),
      ),
    mine: authedProcedure
      .output(z.array(waitlistEntrySchema))
      .query(({ ctx }) => ctx.services.bookings.myWaitlist(ctx.principal)),
    forEvent: authedProcedure
      .input(waitlistForEventInputSchema)
      .output(waitlistPageSchema)
      .query(({ ctx, input }) => ctx.services.bookings.waitlistForEvent(ctx.principal, input)),
  }),
});
