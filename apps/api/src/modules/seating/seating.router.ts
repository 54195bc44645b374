import {
  blockedSeatsSchema,
  blockSeatsInputSchema,
  seatingMapInputSchema,
  seatingMapSchema,
  seatingPlanSchema,
  setSeatingPlanInputSchema,
} from '@evently/contracts';
import { authedProcedure, maybeAuthedProcedure, router } from '../../trpc/procedures.js';

// Who may do what is the access policy's (`event.manageSeating`; the map: `event.view`, so a
// draft's map only to whom its draft is visible), asked by the services with the event's facts.

export const seatingRouter = router({
  // Its request body may be up to SEATING_PLAN_MAX_BYTES (server.ts), not 1 MiB.
  setPlan: authedProcedure
    .input(setSeatingPlanInputSchema)
    .output(seatingPlanSchema)
    .mutation(({ ctx, input }) => ctx.services.seating.setPlan(ctx.principal, input)),
  // Public; members who see drafts see a draft's map.
  map: maybeAuthedProcedure
    .input(seatingMapInputSchema)
    .output(seatingMapSchema)
    .query(({ ctx, input }) => ctx.services.seating.map(ctx.principal, input.eventId)),
  block: authedProcedure
    .input(blockSeatsInputSchema)
    .output(blockedSeatsSchema)
    .mutation(({ ctx, input }) => ctx.services.seating.block(ctx.principal, input)),
  unblock: authedProcedure
    .input(blockSeatsInputSchema)
    .output(blockedSeatsSchema)
    .mutation(({ ctx, input }) => ctx.services.seating.unblock(ctx.principal, input)),
});
