import {
  createQuotaInputSchema,
  createTicketTypeInputSchema,
  listQuotasInputSchema,
  listTicketTypesInputSchema,
  okSchema,
  quotaIdInputSchema,
  quotaListSchema,
  quotaSchema,
  ticketTypeIdInputSchema,
  ticketTypeListSchema,
  ticketTypeSchema,
  updateQuotaInputSchema,
  updateTicketTypeInputSchema,
} from '@evently/contracts';
import { rest } from '../../trpc/procedure-meta.js';
import { maybeAuthedProcedure, personOrKeyProcedure, router } from '../../trpc/procedures.js';

// Who may do what is the access policy's (`event.manageTicketTypes`, `event.readQuotas`,
// `event.viewAllTicketTypes`), asked by the services with the event's facts.

export const ticketTypesRouter = router({
  create: personOrKeyProcedure
    .meta(rest('POST /events/{eventId}/ticket-types', 'ticket types', 'Create a ticket type'))
    .input(createTicketTypeInputSchema)
    .output(ticketTypeSchema)
    .mutation(({ ctx, input }) => ctx.services.ticketTypes.create(ctx.principal, input)),
  update: personOrKeyProcedure
    .meta(rest('PATCH /ticket-types/{id}', 'ticket types', 'Update a ticket type'))
    .input(updateTicketTypeInputSchema)
    .output(ticketTypeSchema)
    .mutation(({ ctx, input }) => ctx.services.ticketTypes.update(ctx.principal, input)),
  archive: personOrKeyProcedure
    .meta(
      rest(
        'POST /ticket-types/{id}/archive',
        'ticket types',
        'Archive a ticket type: no longer sold',
      ),
    )
    .input(ticketTypeIdInputSchema)
    .output(ticketTypeSchema)
    .mutation(({ ctx, input }) => ctx.services.ticketTypes.archive(ctx.principal, input.id)),
  // Public; members (and a voucher that unlocks them) see more.
  list: maybeAuthedProcedure
    .meta(
      rest(
        'GET /events/{eventId}/ticket-types',
        'ticket types',
        'The ticket types of an event',
        'optional',
      ),
    )
    .input(listTicketTypesInputSchema)
    .output(ticketTypeListSchema)
    .query(({ ctx, input }) => {
      const list = () => ctx.services.ticketTypes.list(ctx.principal, input);
      if (input.voucherCode === undefined) return list();
      // A code here tells whether it unlocks hidden types: a guess on the vouchers' budget (a
      // miss is an answer without a hidden type), like vouchers.check and orders with a code.
      return ctx.services.vouchers.asGuess(ctx.ip, input.eventId, list, (types) =>
        types.every((t) => !t.hidden),
      );
    }),
});

export const quotasRouter = router({
  create: personOrKeyProcedure
    .input(createQuotaInputSchema)
    .output(quotaSchema)
    .mutation(({ ctx, input }) => ctx.services.ticketTypes.quotas.create(ctx.principal, input)),
  update: personOrKeyProcedure
    .input(updateQuotaInputSchema)
    .output(quotaSchema)
    .mutation(({ ctx, input }) => ctx.services.ticketTypes.quotas.update(ctx.principal, input)),
  delete: personOrKeyProcedure
    .input(quotaIdInputSchema)
    .output(okSchema)
    .mutation(({ ctx, input }) => ctx.services.ticketTypes.quotas.delete(ctx.principal, input.id)),
  list: personOrKeyProcedure
    .input(listQuotasInputSchema)
    .output(quotaListSchema)
    .query(({ ctx, input }) => ctx.services.ticketTypes.quotas.list(ctx.principal, input.eventId)),
});
