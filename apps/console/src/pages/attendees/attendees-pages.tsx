import type { PageGroup } from '../../page-group.js';

/**
 * The attendees pages (reached through each event's tabs, so no navigation entries). Each is
 * loaded when first opened: the camera's QR decoder and the export stay out of the first download.
 */
export const attendeesGroup: PageGroup = {
  routes: [
    {
      path: 'events/:eventId/bookings',
      lazy: async () => ({ Component: (await import('./bookings-page.js')).BookingsPage }),
    },
    {
      path: 'events/:eventId/waitlist',
      lazy: async () => ({ Component: (await import('./waitlist-page.js')).WaitlistPage }),
    },
    {
      path: 'events/:eventId/checkin',
      lazy: async () => ({ Component: (await import('./checkin-page.js')).CheckinPage }),
    },
  ],
  nav: [],
};
