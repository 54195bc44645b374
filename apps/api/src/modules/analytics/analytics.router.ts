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
import { guardedSubscription } from '../../trpc/guarded-subscription.js';
import { authedProcedure, requireRole, router } from '../../trpc/procedures.js';
import { ANALYTICS_ROLES } from './analytics.service.js';

/** Totals: organizers see their own events', admins everyone's (by organization: next). */
const analyticsProcedure = requireRole(...ANALYTICS_ROLES);

export const analyticsRouter = router({
  overview: analyticsProcedure
    .input(overviewInputSchema)
    .output(overviewSchema)
    .query(({ ctx, input }) => ctx.services.analytics.overview(ctx.principal, input)),
  // One event's figures: whoever the access policy lets read them (its organization's owners,
  // managers and viewers, admins), whatever their platform role.
  event: authedProcedure
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
   * access check runs before the stream starts, so a refusal is a typed error, not a reconnect;
   * the stream then ends with a typed error once its caller loses access (logout, revocation,
   * deactivation, demotion, an expired token).
   */
  live: analyticsProcedure.input(liveInputSchema).subscription(async ({ ctx, input, signal }) => {
    const { analytics } = ctx.services;
    const updates = await guardedSubscription(ctx, signal, {
      authorize: (principal) => analytics.authorizeLive(principal, input),
      open: (principal, stop) => analytics.live(principal, input, stop),
    });
    return (async function* () {
      for await (const update of updates) yield tracked(update.id, update.stats);
    })();
  }),
});
