import { useQueryClient } from '@tanstack/react-query';
import { trpc } from '../../api.js';

/**
 * After a change to an event's ticket types or quotas: both lists read again, since each shows
 * the other (a quota's types; a type's availability under its quotas, and the shortcut that
 * makes a quota with a type).
 */
export function useInventoryRefresh(eventId: string): () => Promise<void> {
  const queries = useQueryClient();
  return async () => {
    await Promise.all([
      queries.invalidateQueries(trpc.ticketTypes.list.queryFilter({ eventId })),
      queries.invalidateQueries(trpc.quotas.list.queryFilter({ eventId })),
    ]);
  };
}
