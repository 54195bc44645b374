import {
  bookingIdInputSchema,
  myTicketsInputSchema,
  ticketPageSchema,
  ticketQrInputSchema,
  ticketQrSchema,
  ticketSchema,
} from '@evently/contracts';
import { z } from 'zod';
import { authedProcedure, router } from '../../trpc/procedures.js';

// Who may see which tickets is the access policy's (`booking.viewTickets`: the booking's holder,
// its event's managers), asked by the service with the booking's facts.

export const ticketsRouter = router({
  mine: authedProcedure
    .input(myTicketsInputSchema)
    .output(ticketPageSchema)
    .query(({ ctx, input }) => ctx.services.tickets.mine(ctx.principal, input)),
  forBooking: authedProcedure
    .input(bookingIdInputSchema)
    .output(z.array(ticketSchema))
    .query(({ ctx, input }) => ctx.services.tickets.forBooking(ctx.principal, input.bookingId)),
  qr: authedProcedure
    .input(ticketQrInputSchema)
    .output(ticketQrSchema)
    .query(({ ctx, input }) => ctx.services.tickets.qr(ctx.principal, input)),
});
