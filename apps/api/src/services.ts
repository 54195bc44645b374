import type { AuthService } from './modules/auth/auth.service.js';
import type { BookingsService } from './modules/bookings/bookings.service.js';
import type { EventsService } from './modules/events/events.service.js';
import type { SystemService } from './modules/system/system.service.js';

/** The services procedures reach through the context; each module adds its own. */
export interface Services {
  auth: AuthService;
  events: EventsService;
  bookings: BookingsService;
  system: SystemService;
}
