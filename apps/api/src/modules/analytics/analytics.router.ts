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
import { rest } from '../../trpc/procedure-meta.js';
import { personOrKeyProcedure, router } from '../../trpc/procedures.js';
import type { LiveScope } from './live.repository.js';

// Who reads which figures is the access policy's (through the service): one event's, its
// organization's owners, managers and viewers; totals, an organization's or everything the caller
// reaches; an admin, everything. The platform role decides nothing here.
export const analyticsRouter = router({
  overview: personOrKeyProcedure
    .meta(rest('GET /analytics/overview', 'analytics', 'Totals'))
    .input(overviewInputSchema)
    .output(overviewSchema)
    .query(({ ctx, input }) => ctx.services.analytics.overview(ctx.principal, input)),
  event: personOrKeyProcedure
    .meta(rest('GET /analytics/events/{eventId}', 'analytics', 'The figures of one event'))
    .input(analyticsEventInputSchema)
    .output(eventAnalyticsSchema)
    .query(({ ctx, input }) => ctx.services.analytics.event(ctx.principal, input)),
  daily: personOrKeyProcedure
    .meta(rest('GET /analytics/daily', 'analytics', 'Figures per day'))
    .input(dailyInputSchema)
    .output(dailySchema)
    .query(({ ctx, input }) => ctx.services.analytics.daily(ctx.principal, input)),
  topEvents: personOrKeyProcedure
    .meta(rest('GET /analytics/top-events', 'analytics', 'Events ranked'))
    .input(topEventsInputSchema)
    .output(topEventsSchema)
    .query(({ ctx, input }) => ctx.services.analytics.topEvents(ctx.principal, input)),
  /**
   * SSE: each update is tracked by its number, so a reconnecting client resumes after it. The
   * access check runs before the stream starts, so a refusal is a typed error, not a reconnect;
   * the stream then ends with a typed error once its caller loses access (logout, revocation,
   * deactivation, demotion, removal, an expired token), and stops carrying an organization its
   * caller left while it still carries others.
   */
  live: personOrKeyProcedure.input(liveInputSchema).subscription(async ({ ctx, input, signal }) => {
    const { analytics } = ctx.services;
    let scope: LiveScope | undefined;
    const updates = await guardedSubscription(ctx, signal, {
      authorize: async (principal) => {
        if (scope && (await analytics.recheckLive(principal, input, scope))) {
          ctx.log.info(
            { organizations: scope.organizationIds?.length },
            'analytics stream narrowed to the organizations its caller still reads',
          );
        }
      },
      open: async (principal, stop) => {
        scope = await analytics.liveScope(principal, input);
        return analytics.live(scope, input.lastEventId, stop);
      },
    });
    return (async function* () {
      for await (const update of updates) yield tracked(update.id, update.stats);
    })();
  }),
});
