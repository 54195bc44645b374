import { analyticsRouter } from './modules/analytics/analytics.router.js';
import { apiKeysRouter } from './modules/api-keys/api-keys.router.js';
import { authRouter } from './modules/auth/auth.router.js';
import { bookingsRouter } from './modules/bookings/bookings.router.js';
import { eventsRouter } from './modules/events/events.router.js';
import { organizationsRouter } from './modules/organizations/organizations.router.js';
import { paymentsRouter, refundsRouter } from './modules/payments/payments.router.js';
import { seatingRouter } from './modules/seating/seating.router.js';
import { systemRouter } from './modules/system/system.router.js';
import { quotasRouter, ticketTypesRouter } from './modules/ticket-types/ticket-types.router.js';
import { checkinRouter } from './modules/tickets/checkin.router.js';
import { ticketsRouter } from './modules/tickets/tickets.router.js';
import { vouchersRouter } from './modules/vouchers/vouchers.router.js';
import { webhooksRouter } from './modules/webhooks/webhooks.router.js';
import { router } from './trpc/procedures.js';

export const appRouter = router({
  auth: authRouter,
  events: eventsRouter,
  bookings: bookingsRouter,
  analytics: analyticsRouter,
  organizations: organizationsRouter,
  system: systemRouter,
  vouchers: vouchersRouter,
  ticketTypes: ticketTypesRouter,
  quotas: quotasRouter,
  payments: paymentsRouter,
  refunds: refundsRouter,
  seating: seatingRouter,
  tickets: ticketsRouter,
  checkin: checkinRouter,
  webhooks: webhooksRouter,
  apiKeys: apiKeysRouter,
});

export type AppRouter = typeof appRouter;
