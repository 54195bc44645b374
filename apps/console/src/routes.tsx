import { createBrowserRouter } from 'react-router';
import { Layout } from './components/layout.js';
import type { PageGroup } from './page-group.js';
import { adminGroup } from './pages/admin/admin-pages.js';
import { attendeesGroup } from './pages/attendees/attendees-pages.js';
import { eventsGroup } from './pages/events/events-pages.js';
import { liveGroup } from './pages/live/live-pages.js';
import { OrganizationsHome } from './pages/organizations-home.js';
import { SignInPage } from './pages/sign-in.js';

const home: PageGroup = {
  routes: [{ index: true, element: <OrganizationsHome /> }],
  nav: [{ to: '/', label: 'Organizations' }],
};

/** Every group of the console, in the navigation's order. */
const groups: PageGroup[] = [home, eventsGroup, liveGroup, attendeesGroup, adminGroup];

export const router = createBrowserRouter(
  [
    { path: '/sign-in', element: <SignInPage /> },
    {
      path: '/',
      element: <Layout nav={groups.flatMap((g) => g.nav)} />,
      children: groups.flatMap((g) => g.routes),
    },
  ],
  { basename: '/console' },
);
