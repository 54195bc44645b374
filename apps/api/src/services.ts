import type { PublicAnswers } from './cache/public-answers.js';
import type { StreamGuards } from './kernel/stream-guard.js';
import type { AnalyticsService } from './modules/analytics/analytics.service.js';
import type { ApiKeysModuleService } from './modules/api-keys/api-keys.module.js';
import type { AuthService } from './modules/auth/auth.service.js';
import type { BookingsService } from './modules/bookings/bookings.service.js';
import type { EventsService } from './modules/events/events.service.js';
import type { DeadLettersService } from './modules/notifications/dead-letters.service.js';
import type { OrganizationsModuleService } from './modules/organizations/organizations.module.js';
import type { PaymentsService } from './modules/payments/payments.service.js';
import type { SeatingService } from './modules/seating/seating.service.js';
import type { SystemService } from './modules/system/system.service.js';
import type { TicketTypesModuleService } from './modules/ticket-types/ticket-types.module.js';
import type { CheckinService } from './modules/tickets/checkin.service.js';
import type { TicketsService } from './modules/tickets/tickets.service.js';
import type { VouchersService } from './modules/vouchers/vouchers.service.js';
import type { WebhooksService } from './modules/webhooks/webhooks.service.js';
import type { OperationsService } from './observability/operations.service.js';
import type { AnonymousReadLimit } from './trpc/anonymous-read-limit.js';

/** The services procedures reach through the context; each module adds its own. */
export interface Services {
  auth: AuthService;
  /** `apiKeys.*`, and resolving a bearer `evk_…` (trpc/caller.ts). */
  apiKeys: ApiKeysModuleService;
  events: EventsService;
  bookings: BookingsService;
  analytics: AnalyticsService;
  organizations: OrganizationsModuleService;
  system: SystemService;
  /** `ticketTypes.*`, and `quotas.*` as its `quotas`. */
  ticketTypes: TicketTypesModuleService;
  vouchers: VouchersService;
  /** `payments.*`, and `refunds.*`. */
  payments: PaymentsService;
  /** `seating.*`: plans, maps, blocked seats. */
  seating: SeatingService;
  /** `tickets.*`, and the public keys their codes are verified with. */
  tickets: TicketsService;
  /** `checkin.*`: lists and scans at an event's doors. */
  checkin: CheckinService;
  /** `webhooks.*`: an organization's subscriptions, their deliveries and replays. */
  webhooks: WebhooksService;
  deadLetters: DeadLettersService;
  operations: OperationsService;
  /** Ends long-lived streams (subscriptions) when their caller loses access. */
  streams: StreamGuards;
  /** The budget of reads by callers nobody signed in (per network). */
  anonymousReads: AnonymousReadLimit;
  /** Anonymous answers kept in memory for the HTTP layer (cache/public-answers.ts). */
  publicAnswers: PublicAnswers;
}
