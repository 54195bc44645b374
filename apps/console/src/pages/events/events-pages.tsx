import type { PageGroup } from '../../page-group.js';
import { EventNewPage } from './event-new.js';
import { EventOverviewPage } from './event-overview.js';
import { EventsListPage } from './events-list.js';
import { TicketTypesPage } from './ticket-types-page.js';
import { VouchersPage } from './vouchers-page.js';

/** The events pages: their routes under the signed-in frame and their navigation entries. */
export const eventsGroup: PageGroup = {
  routes: [
    { path: 'events', element: <EventsListPage /> },
    { path: 'events/new', element: <EventNewPage /> },
    { path: 'events/:eventId', element: <EventOverviewPage /> },
    { path: 'events/:eventId/ticket-types', element: <TicketTypesPage /> },
    { path: 'events/:eventId/vouchers', element: <VouchersPage /> },
  ],
  nav: [{ to: '/events', label: 'Events' }],
};
