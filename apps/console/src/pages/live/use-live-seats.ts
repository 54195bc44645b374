import type { MapSeat, SeatState } from '@evently/sdk';
import { useQuery } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useCallback, useRef, useState } from 'react';
import { trpc } from '../../api.js';
import { useReconnect } from './live-status.js';

/** A seat's state as a stream message said it, and the message's place in the stream. */
interface Change {
  state: SeatState;
  seq: number;
}

/** Changes that arrived from message `seq` on (older ones are in a map read after them). */
function since(changes: ReadonlyMap<string, Change>, seq: number): ReadonlyMap<string, Change> {
  return new Map([...changes].filter(([, change]) => change.seq >= seq));
}

/**
 * An event's seating map kept current: `seating.map`, read again whenever `seating.live` says so
 * (its first message too), and each seat message's absolute state laid over it until a later
 * read includes it.
 */
export function useLiveSeats(eventId: string) {
  const map = useQuery(trpc.seating.map.queryOptions({ eventId }));
  const [changes, setChanges] = useState<ReadonlyMap<string, Change>>(new Map());
  const [lastUpdate, setLastUpdate] = useState<Date | undefined>(undefined);
  const sequence = useRef(0);
  const { refetch } = map;

  const subscription = useSubscription(
    trpc.seating.live.subscriptionOptions(
      { eventId },
      {
        onData: ({ data }) => {
          sequence.current += 1;
          const seq = sequence.current;
          setLastUpdate(new Date());
          if ('planVersion' in data) {
            // The map read from now on includes every change before this message.
            void refetch().then((read) => {
              if (read.isSuccess) setChanges((current) => since(current, seq));
            });
            return;
          }
          setChanges((current) => {
            const next = new Map(current);
            for (const id of data.seatIds) next.set(id, { state: data.state, seq });
            return next;
          });
        },
      },
    ),
  );
  useReconnect(subscription);

  const stateOf = useCallback(
    (seat: MapSeat): SeatState => changes.get(seat.id)?.state ?? seat.state,
    [changes],
  );
  return { map, stateOf, subscription, lastUpdate };
}
