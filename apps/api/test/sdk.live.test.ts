import type { EventStats } from '@evently/sdk';
import { EventSource, type EventSourceFetchInit, type EventSourceInit } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { waitForProjection } from './analytics.fixtures.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { sdkClient } from './sdk-client.js';

/** One SSE connection the EventSource opened, with a way to drop it. */
interface Connection {
  /** Fails the stream as a lost network connection would (the EventSource then reconnects). */
  drop(): void;
}

const connections: Connection[] = [];

/**
 * The `eventsource` package, with each connection's response stream breakable. It wraps the
 * fetch the SDK hands it (which carries the bearer and request id), as any user's subclass may.
 */
class BreakableEventSource extends EventSource {
  constructor(url: string | URL, init?: EventSourceInit) {
    const inner = init?.fetch ?? fetch;
    super(url, {
      ...init,
      fetch: async (target: string | URL, request: EventSourceFetchInit) => {
        const response = await inner(target, request);
        const reader = response.body?.getReader();
        if (!reader) return response;
        let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
        const body = new ReadableStream<Uint8Array>({
          start: (c) => {
            controller = c;
          },
          async pull(c) {
            try {
              const { done, value } = await reader.read();
              if (done) c.close();
              else c.enqueue(value as Uint8Array);
            } catch (error) {
              c.error(error);
            }
          },
          cancel: (reason) => reader.cancel(reason),
        });
        connections.push({
          drop: () => {
            controller?.error(new TypeError('network connection lost'));
            reader.cancel().catch(() => {});
          },
        });
        const contentType = response.headers.get('content-type') ?? 'text/event-stream';
        return new Response(body, {
          status: response.status,
          headers: { 'content-type': contentType },
        });
      },
    });
  }
}

const eventually = (check: () => void) => vi.waitFor(check, { timeout: 20_000, interval: 50 });
/** The headers of each analytics.live request as it went out (the SDK's fetch calls the global one). */
const wire = (spy: { mock: { calls: Array<[unknown, RequestInit?]> } }) =>
  spy.mock.calls
    .filter(([url]) => String(url).includes('/trpc/analytics.live'))
    .map(([, init]) => new Headers(init?.headers));

// analytics.live through the SDK's subscription link: the session's bearer reaches the SSE
// request, updates stream in, and after the connection drops the EventSource reconnects with
// Last-Event-ID and nothing is missed or repeated.
describe('SDK subscriptions (SSE)', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let alice: SignedUp;
  let eventId: string;

  beforeAll(async () => {
    app = await startTestApp();
    [organizer, alice] = await Promise.all([app.signUp({ role: 'organizer' }), app.signUp()]);
    const event = await organizer.client.events.create.mutate(
      eventInput({ capacity: 50, priceCents: 0, maxPerBooking: 1 }),
    );
    await organizer.client.events.publish.mutate({ id: event.id });
    eventId = event.id;
    await waitForProjection(app.db.handle.db);
  });
  afterAll(async () => app?.close());

  const book = async (n: number) => {
    for (let i = 0; i < n; i += 1) {
      await alice.client.bookings.create.mutate({ eventId, quantity: 1 });
    }
  };

  it('streams updates with the session bearer, and resumes after a dropped connection', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const { client } = sdkClient(app.url, {
      tokens: organizer.tokens,
      EventSource: BreakableEventSource,
    });
    const updates: Array<{ id: string; data: EventStats }> = [];
    const errors: unknown[] = [];
    const states: string[] = [];
    const subscription = client.analytics.live.subscribe(
      { eventId },
      {
        onData: (update) => void updates.push(update),
        onError: (error) => void errors.push(error),
        onConnectionStateChange: (state) => void states.push(state.state),
      },
    );
    try {
      const sold = () => updates.map((u) => u.data.ticketsSold);
      await eventually(() => expect(sold()).toEqual([0]));
      expect(connections).toHaveLength(1);
      const [first] = wire(fetchSpy);
      expect(first?.get('authorization')).toBe(`Bearer ${organizer.tokens.accessToken}`);
      expect(first?.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

      await book(3);
      await eventually(() => expect(sold()).toEqual([0, 1, 2, 3]));
      const lastSeen = updates.at(-1)?.id;

      connections[0]?.drop();
      // Bookings while the client is cut off.
      await book(4);
      await eventually(() => expect(connections).toHaveLength(2));
      const [, second] = wire(fetchSpy);
      expect(second?.get('last-event-id')).toBe(lastSeen);
      expect(second?.get('authorization')).toBe(`Bearer ${organizer.tokens.accessToken}`);
      expect(second?.get('x-request-id')).not.toBe(first?.get('x-request-id'));
      await eventually(() => expect(sold()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]));

      // Live again after the replay.
      await book(2);
      await eventually(() => expect(sold()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
      const ids = updates.map((u) => BigInt(u.id));
      for (let i = 1; i < ids.length; i += 1) expect(ids[i]).toBeGreaterThan(ids[i - 1] ?? 0n);
      expect(errors).toEqual([]);
      // The drop showed as a reconnect, not as the end of the subscription.
      expect(states.filter((s) => s === 'connecting').length).toBeGreaterThanOrEqual(2);
      expect(states).not.toContain('idle');
    } finally {
      subscription.unsubscribe();
      fetchSpy.mockRestore();
    }
  });
});

describe('SDK subscriptions (SSE) with short-lived access tokens', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ accessTokenTtlSeconds: 3 });
  });
  afterAll(async () => app?.close());

  it('a reconnect after the access token expired carries a refreshed one', async () => {
    const [organizer, alice] = await Promise.all([app.signUp({ role: 'organizer' }), app.signUp()]);
    const org = sdkClient(app.url, { tokens: organizer.tokens });
    const event = await org.client.events.create.mutate(
      eventInput({ capacity: 50, priceCents: 0, maxPerBooking: 1 }),
    );
    await org.client.events.publish.mutate({ id: event.id });
    await waitForProjection(app.db.handle.db);
    const buyer = sdkClient(app.url, { tokens: alice.tokens });

    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const before = connections.length;
    const { client, http } = sdkClient(app.url, {
      tokens: organizer.tokens,
      auth: { refreshLeewaySeconds: 0 },
      EventSource: BreakableEventSource,
    });
    const updates: Array<{ id: string; data: EventStats }> = [];
    const errors: unknown[] = [];
    const subscription = client.analytics.live.subscribe(
      { eventId: event.id },
      { onData: (u) => void updates.push(u), onError: (e) => void errors.push(e) },
    );
    try {
      await eventually(() => expect(updates.map((u) => u.data.ticketsSold)).toEqual([0]));
      const expiresAt = Date.parse(organizer.tokens.accessTokenExpiresAt);
      await new Promise((resolve) => setTimeout(resolve, expiresAt - Date.now() + 100));
      connections[before]?.drop();
      await buyer.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });

      await eventually(() => expect(updates.map((u) => u.data.ticketsSold)).toEqual([0, 1]));
      const [first, second] = wire(fetchSpy);
      expect(first?.get('authorization')).toBe(`Bearer ${organizer.tokens.accessToken}`);
      expect(http.count('auth.refresh')).toBe(1);
      const refreshed = await client.session.tokens();
      expect(refreshed?.accessToken).not.toBe(organizer.tokens.accessToken);
      expect(second?.get('authorization')).toBe(`Bearer ${refreshed?.accessToken}`);
      expect(errors).toEqual([]);
    } finally {
      subscription.unsubscribe();
      fetchSpy.mockRestore();
    }
  });
});
