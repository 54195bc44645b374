import {
  bookingIdInputSchema,
  myTicketsInputSchema,
  ticketPageSchema,
  ticketQrInputSchema,
  ticketQrSchema,
  ticketSchema,
} from '@evently/contracts';
import { z } from 'zod';
import { rest } from '../../trpc/procedure-meta.js';
import { authedProcedure, personOrKeyProcedure, router } from '../../trpc/procedures.js';

// Who may see which tickets is the access policy's (`booking.viewTickets`: the booking's holder,
// its event's managers), asked by the service with the booking's facts.

export const ticketsRouter = router({
  mine: authedProcedure
    .meta(rest('GET /tickets', 'tickets', 'List my tickets'))
    .input(myTicketsInputSchema)
    .output(ticketPageSchema)
    .query(({ ctx, input }) => ctx.services.tickets.mine(ctx.principal, input)),
  forBooking: personOrKeyProcedure
    .meta(rest('GET /bookings/{bookingId}/tickets', 'tickets', 'The tickets of a booking'))
    .input(bookingIdInputSchema)
    .output(z.array(ticketSchema))
    .query(({ ctx, input }) => ctx.services.tickets.forBooking(ctx.principal, input.bookingId)),
  qr: personOrKeyProcedure
    .meta(rest('GET /tickets/{ticketId}/qr', 'tickets', 'The QR code of a ticket'))
    .input(ticketQrInputSchema)
    .output(ticketQrSchema)
    .query(({ ctx, input }) => ctx.services.tickets.qr(ctx.principal, input)),
});
