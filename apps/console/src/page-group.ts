import type { RouteObject } from 'react-router';
import type { NavItem } from './components/layout.js';

/** A group of pages: its routes under the signed-in frame, and its entries in the navigation. */
export interface PageGroup {
  routes: RouteObject[];
  nav: NavItem[];
}
