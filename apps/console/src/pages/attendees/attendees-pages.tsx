import type { PageGroup } from '../../page-group.js';
import { BookingsPage } from './bookings-page.js';
import { CheckinPage } from './checkin-page.js';
import { WaitlistPage } from './waitlist-page.js';

/** The attendees pages (reached through each event's tabs, so no navigation entries). */
export const attendeesGroup: PageGroup = {
  routes: [
    { path: 'events/:eventId/bookings', element: <BookingsPage /> },
    { path: 'events/:eventId/waitlist', element: <WaitlistPage /> },
    { path: 'events/:eventId/checkin', element: <CheckinPage /> },
  ],
  nav: [],
};
