import { useQuery } from '@tanstack/react-query';
import { trpc } from '../../api.js';

/** The event's check-in lists, with their counts (re-read after each scan). */
export function useCheckinLists(eventId: string) {
  return useQuery(trpc.checkin.lists.list.queryOptions({ eventId }));
}
