import {
  blockedSeatsSchema,
  blockSeatsInputSchema,
  seatingLiveInputSchema,
  seatingMapInputSchema,
  seatingMapSchema,
  seatingPlanSchema,
  setSeatingPlanInputSchema,
} from '@evently/contracts';
import { tracked } from '@trpc/server';
import { publicSubscription } from '../../trpc/guarded-subscription.js';
import { maybeAuthedProcedure, personOrKeyProcedure, router } from '../../trpc/procedures.js';

// Who may do what is the access policy's (`event.manageSeating`; the map: `event.view`, so a
// draft's map only to whom its draft is visible), asked by the services with the event's facts.

export const seatingRouter = router({
  // Its request body may be up to SEATING_PLAN_MAX_BYTES (server.ts), not 1 MiB.
  setPlan: personOrKeyProcedure
    .input(setSeatingPlanInputSchema)
    .output(seatingPlanSchema)
    .mutation(({ ctx, input }) => ctx.services.seating.setPlan(ctx.principal, input)),
  // Public; members who see drafts see a draft's map.
  map: maybeAuthedProcedure
    .input(seatingMapInputSchema)
    .output(seatingMapSchema)
    .query(({ ctx, input }) => ctx.services.seating.map(ctx.principal, input.eventId)),
  /**
   * Public SSE of seat state changes, each tracked by its `plan.inventory` versions so a client
   * resumes after the last one it got. Access (`event.view`) is checked before the stream starts
   * (a refusal is a typed error, not a reconnect); a signed-in caller's stream ends once they may
   * no longer see the event (a draft's member removed, a session revoked).
   */
  live: maybeAuthedProcedure
    .input(seatingLiveInputSchema)
    .subscription(async ({ ctx, input, signal }) => {
      const { seating } = ctx.services;
      const updates = await publicSubscription(ctx, signal, {
        authorize: (principal) => seating.authorizeLive(principal, input.eventId),
        open: (principal, stop) => seating.live(principal, input, stop),
      });
      return (async function* () {
        for await (const update of updates) yield tracked(update.id, update.message);
      })();
    }),
  block: personOrKeyProcedure
    .input(blockSeatsInputSchema)
    .output(blockedSeatsSchema)
    .mutation(({ ctx, input }) => ctx.services.seating.block(ctx.principal, input)),
  unblock: personOrKeyProcedure
    .input(blockSeatsInputSchema)
    .output(blockedSeatsSchema)
    .mutation(({ ctx, input }) => ctx.services.seating.unblock(ctx.principal, input)),
});
