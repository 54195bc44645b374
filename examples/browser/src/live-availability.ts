import type { EventlyClient, RouterOutputs } from '@evently/sdk';

type Availability = RouterOutputs['bookings']['availability'];

export interface AvailabilityListener {
  onState(state: 'offline' | 'connecting' | 'live', text: string): void;
  onAvailability(eventId: string, availability: Availability): void | Promise<void>;
}

/**
 * Live availability: `analytics.live` (SSE) says which event's figures changed, and the page
 * reads that event's `bookings.availability` — the seats free now, holds included (the stream's
 * figures count confirmed seats only). One stream for every event the signed-in organizer (or
 * admin) may follow; tRPC resumes it after a drop from the last update's id.
 */
export function followAvailability(client: EventlyClient, listener: AvailabilityListener) {
  // One read per event at a time; a change arriving meanwhile triggers one more read after it,
  // so an older answer never overwrites a newer one.
  const reading = new Map<string, { again: boolean }>();
  async function refresh(eventId: string) {
    const current = reading.get(eventId);
    if (current) {
      current.again = true;
      return;
    }
    const state = { again: false };
    reading.set(eventId, state);
    try {
      do {
        state.again = false;
        const availability = await client.bookings.availability.query({ eventId });
        await listener.onAvailability(eventId, availability);
      } while (state.again);
    } finally {
      reading.delete(eventId);
    }
  }

  listener.onState('connecting', 'connecting…');
  return client.analytics.live.subscribe(
    {},
    {
      onStarted: () => listener.onState('live', 'live'),
      onConnectionStateChange: (change) => {
        if (change.state === 'connecting') listener.onState('connecting', 'reconnecting…');
        if (change.state === 'pending') listener.onState('live', 'live');
      },
      onData: ({ data }) => {
        refresh(data.eventId).catch((error: unknown) =>
          listener.onState('connecting', `could not read availability: ${String(error)}`),
        );
      },
      onError: (error) => listener.onState('offline', `stream stopped: ${error.message}`),
    },
  );
}
