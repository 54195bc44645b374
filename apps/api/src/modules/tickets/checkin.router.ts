import {
  checkinAttendeeSchema,
  checkinExportSchema,
  checkinListIdInputSchema,
  checkinListSchema,
  checkinListsInputSchema,
  checkinSearchInputSchema,
  checkinSyncInputSchema,
  checkinSyncResultSchema,
  createCheckinListInputSchema,
  redeemInputSchema,
  redeemResultSchema,
} from '@evently/contracts';
import { z } from 'zod';
import { rest } from '../../trpc/procedure-meta.js';
import { personOrKeyProcedure, router } from '../../trpc/procedures.js';

// Who may do what is the access policy's: `event.manageCheckin` (its lists) and `event.checkIn`
// (scanning, for staff too), asked by the service with the event's facts.

export const checkinRouter = router({
  lists: router({
    create: personOrKeyProcedure
      .meta(rest('POST /events/{eventId}/checkin-lists', 'check-in', 'Create a check-in list'))
      .input(createCheckinListInputSchema)
      .output(checkinListSchema)
      .mutation(({ ctx, input }) => ctx.services.checkin.createList(ctx.principal, input)),
    list: personOrKeyProcedure
      .meta(
        rest('GET /events/{eventId}/checkin-lists', 'check-in', 'The check-in lists of an event'),
      )
      .input(checkinListsInputSchema)
      .output(z.array(checkinListSchema))
      .query(({ ctx, input }) => ctx.services.checkin.lists(ctx.principal, input.eventId)),
  }),
  // A scan: its answer is a result (ok, already_in, invalid…), not an error — a gate shows it.
  redeem: personOrKeyProcedure
    .meta(rest('POST /checkin-lists/{listId}/redeem', 'check-in', 'Scan a ticket'))
    .input(redeemInputSchema)
    .output(redeemResultSchema)
    .mutation(({ ctx, input }) => ctx.services.checkin.redeem(ctx.principal, input)),
  // Manual check-in: attendees by name, email or ticket id, each with its ticket to redeem.
  search: personOrKeyProcedure
    .meta(
      rest(
        'GET /checkin-lists/{listId}/attendees',
        'check-in',
        'Search attendees for manual check-in',
      ),
    )
    .input(checkinSearchInputSchema)
    .output(z.array(checkinAttendeeSchema))
    .query(({ ctx, input }) => ctx.services.checkin.search(ctx.principal, input)),
  // For an offline scanner: the keys and every ticket's state.
  export: personOrKeyProcedure
    .meta(
      rest('GET /checkin-lists/{listId}/export', 'check-in', 'Everything an offline scanner needs'),
    )
    .input(checkinListIdInputSchema)
    .output(checkinExportSchema)
    .query(({ ctx, input }) => ctx.services.checkin.export(ctx.principal, input.listId)),
  // An offline scanner's scans, in the order they happened: the earliest scan of a ticket wins.
  sync: personOrKeyProcedure
    .meta(
      rest(
        'POST /checkin-lists/{listId}/sync',
        'check-in',
        'Upload the scans of an offline scanner',
      ),
    )
    .input(checkinSyncInputSchema)
    .output(checkinSyncResultSchema)
    .mutation(({ ctx, input }) => ctx.services.checkin.sync(ctx.principal, input)),
});
