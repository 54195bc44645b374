/** The events read cache's scopes: every public list, and one event. */
export const LIST_SCOPE = 'events:list';
export const eventScope = (id: string) => `event:${id}`;
