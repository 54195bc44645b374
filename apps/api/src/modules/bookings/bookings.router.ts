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
import { rest } from '../../trpc/procedure-meta.js';
import {
  authedProcedure,
  personOrKeyProcedure,
  publicProcedure,
  router,
} from '../../trpc/procedures.js';

export const bookingsRouter = router({
  create: authedProcedure
    .meta(rest('POST /bookings', 'bookings', 'Book: an order of one or more items'))
    .input(createBookingInputSchema)
    .output(bookingSchema)
    .mutation(({ ctx, input }) => {
      const order = () => ctx.services.bookings.create(ctx.principal, input);
      // A code in an order is a guess like vouchers.check's, on the same budget.
      if (!input.voucherCode) return order();
      return ctx.services.vouchers.asGuess(ctx.ip, input.eventId, order);
    }),
  confirm: personOrKeyProcedure
    .meta(rest('POST /bookings/{bookingId}/confirm', 'bookings', 'Confirm a pending booking'))
    .input(bookingIdInputSchema)
    .output(bookingSchema)
    .mutation(({ ctx, input }) => ctx.services.bookings.confirm(ctx.principal, input.bookingId)),
  cancel: personOrKeyProcedure
    .meta(rest('POST /bookings/{bookingId}/cancel', 'bookings', 'Cancel a booking'))
    .input(cancelBookingInputSchema)
    .output(bookingSchema)
    .mutation(({ ctx, input }) => ctx.services.bookings.cancel(ctx.principal, input)),
  get: personOrKeyProcedure
    .meta(rest('GET /bookings/{bookingId}', 'bookings', 'Get a booking'))
    .input(bookingIdInputSchema)
    .output(bookingSchema)
    .query(({ ctx, input }) => ctx.services.bookings.get(ctx.principal, input.bookingId)),
  mine: authedProcedure
    .meta(rest('GET /bookings', 'bookings', 'List my bookings'))
    .input(myBookingsInputSchema)
    .output(bookingPageSchema)
    .query(({ ctx, input }) => ctx.services.bookings.mine(ctx.principal, input)),
  availability: publicProcedure
    .meta(
      rest('GET /events/{eventId}/availability', 'bookings', 'Availability of an event', 'none'),
    )
    .input(eventIdOnlyInputSchema)
    .output(availabilitySchema)
    .query(({ ctx, input }) => ctx.services.bookings.availability(input.eventId)),
  listForEvent: personOrKeyProcedure
    .meta(rest('GET /events/{eventId}/bookings', 'bookings', 'List the bookings of an event'))
    .input(eventBookingsInputSchema)
    .output(bookingPageSchema)
    .query(({ ctx, input }) => ctx.services.bookings.listForEvent(ctx.principal, input)),
  audit: personOrKeyProcedure
    .meta(rest('GET /audit-entries', 'bookings', 'Audit trail of an event or a booking'))
    .input(bookingAuditInputSchema)
    .output(auditPageSchema)
    .query(({ ctx, input }) => ctx.services.bookings.audit(ctx.principal, input)),
  waitlist: router({
    join: authedProcedure
      .meta(rest('POST /events/{eventId}/waitlist', 'waitlist', 'Join the waitlist of an event'))
      .input(joinWaitlistInputSchema)
      .output(waitlistEntrySchema)
      .mutation(({ ctx, input }) => ctx.services.bookings.joinWaitlist(ctx.principal, input)),
    leave: authedProcedure
      .meta(rest('POST /waitlist/{entryId}/leave', 'waitlist', 'Leave a waitlist'))
      .input(leaveWaitlistInputSchema)
      .output(waitlistEntrySchema)
      .mutation(({ ctx, input }) =>
        ctx.services.bookings.leaveWaitlist(ctx.principal, input.entryId),
      ),
    mine: authedProcedure
      .meta(rest('GET /waitlist', 'waitlist', 'My places in waitlists'))
      .output(z.array(waitlistEntrySchema))
      .query(({ ctx }) => ctx.services.bookings.myWaitlist(ctx.principal)),
    forEvent: personOrKeyProcedure
      .meta(rest('GET /events/{eventId}/waitlist', 'waitlist', 'The waitlist of an event'))
      .input(waitlistForEventInputSchema)
      .output(waitlistPageSchema)
      .query(({ ctx, input }) => ctx.services.bookings.waitlistForEvent(ctx.principal, input)),
  }),
});
