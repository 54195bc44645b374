import type { EventlyClient, SeatChange, SeatingMap } from '@evently/sdk';

export interface SeatsListener {
  onState(state: 'offline' | 'connecting' | 'live', text: string): void;
  /** The map as read: draw it afresh. */
  onMap(map: SeatingMap): void;
  /** These seats are in `change.state` now. */
  onChange(change: SeatChange): void;
}

/**
 * An event's seats, live: `seating.live` (public SSE) and `seating.map`. The stream's messages
 * carry absolute states — `{ seatIds, state }` — or `{ planVersion }`: read the map again. A
 * fresh stream starts with `{ planVersion }`, sent once the server listens for changes, so the
 * map is read on that message (not as soon as `subscribe` returns, when the server may not be
 * listening yet and a change between the map's read and the stream's start would be lost).
 * Messages arriving while the map is read are kept and applied after it (already in the map or
 * newer: harmless either way). Every `{ planVersion }` reads the map, even of the version drawn:
 * the server also sends one to a stream that fell too far behind, whose dropped changes only a
 * fresh map has. tRPC resumes a dropped stream after the last message's id.
 */
export function followSeats(client: EventlyClient, eventId: string, listener: SeatsListener) {
  let stopped = false;
  let drawn = false;
  /** While a map read is in flight: the changes since it started, and whether to read again. */
  let reading: { again: boolean; changes: SeatChange[] } | undefined;

  async function readMap() {
    if (reading) {
      reading.again = true;
      return;
    }
    const state = { again: false, changes: [] as SeatChange[] };
    reading = state;
    try {
      do {
        state.again = false;
        state.changes = []; // what came so far is in the map read now
        const map = await client.seating.map.query({ eventId });
        if (stopped) return;
        if (state.again) continue; // the plan changed meanwhile: this map may be of the old one
        listener.onMap(map);
        for (const change of state.changes) listener.onChange(change);
        drawn = true;
        listener.onState('live', 'live');
      } while (state.again);
    } catch (error) {
      listener.onState('connecting', `could not read the map: ${String(error)}`);
    } finally {
      reading = undefined;
    }
  }

  listener.onState('connecting', 'connecting…');
  const subscription = client.seating.live.subscribe(
    { eventId },
    {
      onConnectionStateChange: (change) => {
        if (stopped) return;
        if (change.state === 'connecting') listener.onState('connecting', 'reconnecting…');
        if (change.state === 'pending' && drawn && !reading) listener.onState('live', 'live');
      },
      onData: ({ data }) => {
        if (stopped) return;
        if ('planVersion' in data) void readMap();
        else if (reading) reading.changes.push(data);
        else listener.onChange(data);
      },
      onError: (error) => {
        if (!stopped) listener.onState('offline', `stream stopped: ${error.message}`);
      },
    },
  );
  return {
    stop() {
      stopped = true;
      subscription.unsubscribe();
    },
  };
}
