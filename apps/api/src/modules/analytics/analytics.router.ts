import {
  analyticsEventInputSchema,
  dailyInputSchema,
  dailySchema,
  eventAnalyticsSchema,
  liveInputSchema,
  overviewInputSchema,
  overviewSchema,
  topEventsInputSchema,
  topEventsSchema,
} from '@evently/contracts';
import { tracked } from '@trpc/server';
import { requireRole, router } from '../../trpc/procedures.js';

/** Organizers see their own events' analytics, admins everyone's. */
const analyticsProcedure = requireRole('organizer', 'admin');

export const analyticsRouter = router({
  overview: analyticsProcedure
    .input(overviewInputSchema)
    .output(overviewSchema)
    .query(({ ctx, input }) => ctx.services.analytics.overview(ctx.principal, input)),
  event: analyticsProcedure
    .input(analyticsEventInputSchema)
    .output(eventAnalyticsSchema)
    .query(({ ctx, input }) => ctx.services.analytics.event(ctx.principal, input)),
  daily: analyticsProcedure
    .input(dailyInputSchema)
    .output(dailySchema)
    .query(({ ctx, input }) => ctx.services.analytics.daily(ctx.principal, input)),
  topEvents: analyticsProcedure
    .input(topEventsInputSchema)
    .output(topEventsSchema)
    .query(({ ctx, input }) => ctx.services.analytics.topEvents(ctx.principal, input)),
  /**
   * SSE: each update is tracked by its number, so a reconnecting client resumes after it. The
   * access check runs before the stream starts, so a refusal is a typed error, not a reconnect.
   */
  live: analyticsProcedure.input(liveInputSchema).subscription(async ({ ctx, input, signal }) => {
    const updates = await ctx.services.analytics.live(ctx.principal, input, signal);
    return (async function* () {
      for await (const update of updates) yield tracked(update.id, update.stats);
    })();
  }),
});
