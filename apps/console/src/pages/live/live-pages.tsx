import type { PageGroup } from '../../page-group.js';

/**
 * The live pages of one event, reached through its tabs (no entries in the navigation): the sales
 * dashboard and the seating plan, both following the API's live streams. Each is loaded when
 * first opened, so the charts' library stays out of the console's first download.
 */
export const liveGroup: PageGroup = {
  routes: [
    {
      path: 'events/:eventId/dashboard',
      lazy: async () => ({ Component: (await import('./dashboard-page.js')).DashboardPage }),
    },
    {
      path: 'events/:eventId/seating',
      lazy: async () => ({ Component: (await import('./seating-page.js')).SeatingPage }),
    },
  ],
  nav: [],
};
