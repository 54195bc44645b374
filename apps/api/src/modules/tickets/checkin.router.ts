import {
  checkinListSchema,
  checkinListsInputSchema,
  createCheckinListInputSchema,
  redeemInputSchema,
  redeemResultSchema,
} from '@evently/contracts';
import { z } from 'zod';
import { authedProcedure, router } from '../../trpc/procedures.js';

// Who may do what is the access policy's: `event.manageCheckin` (its lists) and `event.checkIn`
// (scanning, for staff too), asked by the service with the event's facts.

export const checkinRouter = router({
  lists: router({
    create: authedProcedure
      .input(createCheckinListInputSchema)
      .output(checkinListSchema)
      .mutation(({ ctx, input }) => ctx.services.checkin.createList(ctx.principal, input)),
    list: authedProcedure
      .input(checkinListsInputSchema)
      .output(z.array(checkinListSchema))
      .query(({ ctx, input }) => ctx.services.checkin.lists(ctx.principal, input.eventId)),
  }),
  // A scan: its answer is a result (ok, already_in, invalid…), not an error — a gate shows it.
  redeem: authedProcedure
    .input(redeemInputSchema)
    .output(redeemResultSchema)
    .mutation(({ ctx, input }) => ctx.services.checkin.redeem(ctx.principal, input)),
});
