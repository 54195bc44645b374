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
const organizerProcedure = authedProcedure;

export const eventsRouter = router({
  list: maybeAuthedProcedure
    .input(listEventsInputSchema)
    .output(eventPageSchema)
    .query(({ ctx, input }) => ctx.services.events.list(ctx.principal, input)),
  get: maybeAuthedProcedure
    .input(eventIdInputSchema)
    .output(eventSchema)
    .query(({ ctx, input }) => ctx.services.events.get(ctx.principal, input.id)),
  create: organizerProcedure
    .input(eventInputSchema)
    .output(eventSchema)
    .mutation(({ ctx, input }) => ctx.services.events.create(ctx.principal, input)),
  update: organizerProcedure
    .input(updateEventInputSchema)
    .output(eventSchema)
    .mutation(({ ctx, input }) => ctx.services.events.update(ctx.principal, input)),
  publish: organizerProcedure
    .input(eventIdInputSchema)
    .output(eventSchema)
    .mutation(({ ctx, input }) => ctx.services.events.publish(ctx.principal, input.id)),
  cancel: organizerProcedure
    .input(cancelEventInputSchema)
    .output(eventSchema)
    .mutation(({ ctx, input }) => ctx.services.events.cancel(ctx.principal, input)),
  delete: organizerProcedure
    .input(eventIdInputSchema)
    .output(okSchema)
    .mutation(({ ctx, input }) => ctx.services.events.delete(ctx.principal, input.id)),
});
