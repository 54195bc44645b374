import { createBrowserRouter, type RouteObject } from 'react-router';
import { Layout, type NavItem } from './components/layout.js';
import { OrganizationsHome } from './pages/organizations-home.js';
import { SignInPage } from './pages/sign-in.js';

/** A group of pages: its routes under the signed-in frame, and its entries in the navigation. */
export interface PageGroup {
  routes: RouteObject[];
  nav: NavItem[];
}

const home: PageGroup = {
  routes: [{ index: true, element: <OrganizationsHome /> }],
  nav: [{ to: '/', label: 'Organizations' }],
};

/** Every group of the console, in the navigation's order. */
const groups: PageGroup[] = [home];

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
