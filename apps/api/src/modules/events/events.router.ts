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
import { rest } from '../../trpc/procedure-meta.js';
import { maybeAuthedProcedure, personOrKeyProcedure, router } from '../../trpc/procedures.js';

// Writes are decided by the caller's role in the event's organization (the access policy).
export const eventsRouter = router({
  list: maybeAuthedProcedure
    .meta(rest('GET /events', 'events', 'List events', 'optional'))
    .input(listEventsInputSchema)
    .output(eventPageSchema)
    .query(({ ctx, input }) => ctx.services.events.list(ctx.principal, input)),
  get: maybeAuthedProcedure
    .meta(rest('GET /events/{id}', 'events', 'Get an event', 'optional'))
    .input(eventIdInputSchema)
    .output(eventSchema)
    .query(({ ctx, input }) => ctx.services.events.get(ctx.principal, input.id)),
  create: personOrKeyProcedure
    .meta(rest('POST /events', 'events', 'Create an event (a draft)'))
    .input(eventInputSchema)
    .output(eventSchema)
    .mutation(({ ctx, input }) => ctx.services.events.create(ctx.principal, input)),
  update: personOrKeyProcedure
    .meta(rest('PATCH /events/{id}', 'events', 'Update an event'))
    .input(updateEventInputSchema)
    .output(eventSchema)
    .mutation(({ ctx, input }) => ctx.services.events.update(ctx.principal, input)),
  publish: personOrKeyProcedure
    .meta(rest('POST /events/{id}/publish', 'events', 'Publish an event'))
    .input(eventIdInputSchema)
    .output(eventSchema)
    .mutation(({ ctx, input }) => ctx.services.events.publish(ctx.principal, input.id)),
  cancel: personOrKeyProcedure
    .meta(rest('POST /events/{id}/cancel', 'events', 'Cancel an event'))
    .input(cancelEventInputSchema)
    .output(eventSchema)
    .mutation(({ ctx, input }) => ctx.services.events.cancel(ctx.principal, input)),
  delete: personOrKeyProcedure
    .meta(rest('DELETE /events/{id}', 'events', 'Delete a draft'))
    .input(eventIdInputSchema)
    .output(okSchema)
    .mutation(({ ctx, input }) => ctx.services.events.delete(ctx.principal, input.id)),
});
