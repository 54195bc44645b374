import type { PageGroup } from '../../page-group.js';

/** The live pages: their routes under the signed-in frame and their navigation entries. */
export const liveGroup: PageGroup = { routes: [], nav: [] };
