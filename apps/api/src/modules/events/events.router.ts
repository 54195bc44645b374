import {
  cancelEventInputSchema,
  eventIdInputSchema,
  eventInputSchema,
  eventPageSchema,
  eventSchema,
  listEventsInputSchema,
  okSchema,
  updateEventInputSchema,
} from '@evently/contracts';
import { authedProcedure, maybeAuthedProcedure, router } from '../../trpc/procedures.js';

// Writes are decided by the caller's role in the event's organization (the access policy).
export const eventsRouter = router({
  list: maybeAuthedProcedure
    .input(listEventsInputSchema)
    .output(eventPageSchema)
    .query(({ ctx, input }) => ctx.services.events.list(ctx.principal, input)),
  get: maybeAuthedProcedure
    .input(eventIdInputSchema)
    .output(eventSchema)
    .query(({ ctx, input }) => ctx.services.events.get(ctx.principal, input.id)),
  create: authedProcedure
    .input(eventInputSchema)
    .output(eventSchema)
    .mutation(({ ctx, input }) => ctx.services.events.create(ctx.principal, input)),
  update: authedProcedure
    .input(updateEventInputSchema)
    .output(eventSchema)
    .mutation(({ ctx, input }) => ctx.services.events.update(ctx.principal, input)),
  publish: authedProcedure
    .input(eventIdInputSchema)
    .output(eventSchema)
    .mutation(({ ctx, input }) => ctx.services.events.publish(ctx.principal, input.id)),
  cancel: authedProcedure
    .input(cancelEventInputSchema)
    .output(eventSchema)
    .mutation(({ ctx, input }) => ctx.services.events.cancel(ctx.principal, input)),
  delete: authedProcedure
    .input(eventIdInputSchema)
    .output(okSchema)
    .mutation(({ ctx, input }) => ctx.services.events.delete(ctx.principal, input.id)),
});
