import type { PageGroup } from '../../page-group.js';

/** The admin pages: their routes under the signed-in frame and their navigation entries. */
export const adminGroup: PageGroup = { routes: [], nav: [] };
