import type { LiveStats } from '@evently/contracts';
import type { Database } from '@evently/db';
import { createEventlyClient, type EventlyClient } from '@evently/sdk';
import { EventSource } from 'eventsource';
import { type Kysely, sql } from 'kysely';
import { vi } from 'vitest';
import { analyticsTopics } from '../src/modules/analytics/analytics.projector.js';

/** Outbox events the analytics (and bookings) consumers have yet to process, in one snapshot. */
export async function unprocessed(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    SELECT count(*) AS n FROM outbox o
    WHERE (o.topic = ANY(${[...analyticsTopics]}::text[]) AND NOT EXISTS (
        SELECT 1 FROM processed_events p WHERE p.consumer = 'analytics' AND p.event_id = o.id))
      OR (o.topic = 'event.cancelled' AND NOT EXISTS (
        SELECT 1 FROM processed_events p WHERE p.consumer = 'bookings' AND p.event_id = o.id))`.execute(
    db,
  );
  return Number(rows[0]?.n ?? 0);
}

/** Waits until the worker has folded every committed event into the read models. */
export async function waitForProjection(db: Kysely<Database>, timeout = 60_000): Promise<void> {
  await vi.waitFor(
    async () => {
      const left = await unprocessed(db);
      if (left > 0) throw new Error(`${left} events not projected yet`);
    },
    { timeout, interval: 100 },
  );
}

/**
 * An SDK client whose calls and SSE subscriptions carry the bearer token: Node 20 has no
 * EventSource, and the SDK connects the `eventsource` package's through a fetch of its own that
 * adds the client's headers.
 */
export function liveClient(url: string, accessToken: string): EventlyClient {
  return createEventlyClient({
    url,
    headers: () => ({ authorization: `Bearer ${accessToken}` }),
    EventSource,
  });
}

export interface LiveFeed {
  updates: Array<{ id: string; data: LiveStats }>;
  errors: unknown[];
  stop(): void;
}

/** Subscribes to analytics.live and collects what arrives until stopped. */
export function subscribeLive(
  client: EventlyClient,
  input: { eventId?: string; organizationId?: string; lastEventId?: string },
): LiveFeed {
  const updates: LiveFeed['updates'] = [];
  const errors: unknown[] = [];
  const subscription = client.analytics.live.subscribe(input, {
    onData: (update) => void updates.push(update),
    onError: (error) => void errors.push(error),
  });
  return { updates, errors, stop: () => subscription.unsubscribe() };
}
