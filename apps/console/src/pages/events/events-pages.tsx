import type { PageGroup } from '../../page-group.js';

/** The events pages: their routes under the signed-in frame and their navigation entries. */
export const eventsGroup: PageGroup = { routes: [], nav: [] };
