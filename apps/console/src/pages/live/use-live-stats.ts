import { useQuery } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useMemo, useState } from 'react';
import { trpc } from '../../api.js';
import { useReconnect } from './live-status.js';
import { type Figures, historyOf, NO_UPDATES, receive, seriesOf } from './sales-history.js';

/**
 * One event's figures: `analytics.event` at first, then every update of `analytics.live` as it
 * arrives; and the sales series, the hourly history followed by the live updates.
 */
export function useLiveStats(eventId: string) {
  const loaded = useQuery(trpc.analytics.event.queryOptions({ eventId }));
  const [live, setLive] = useState(NO_UPDATES);
  const subscription = useSubscription(
    trpc.analytics.live.subscriptionOptions(
      { eventId },
      { onData: ({ data }) => setLive((state) => receive(state, data, new Date())) },
    ),
  );
  useReconnect(subscription);

  const history = useMemo(() => (loaded.data ? historyOf(loaded.data) : []), [loaded.data]);
  const figures: Figures | undefined = live.latest ?? loaded.data;
  const series = useMemo(() => seriesOf(history, live.points), [history, live.points]);
  return {
    /** The first read: its error, whether it is still loading. */
    loaded,
    figures,
    series,
    subscription,
    lastUpdate: live.lastUpdate,
  };
}
