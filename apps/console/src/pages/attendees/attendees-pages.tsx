import type { PageGroup } from '../../page-group.js';

/** The attendees pages: their routes under the signed-in frame and their navigation entries. */
export const attendeesGroup: PageGroup = { routes: [], nav: [] };
