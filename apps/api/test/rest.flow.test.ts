import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';
import { type RestClient, restClient, signedInRestClient } from './rest-client.js';

/** A call's data, or a failure naming what the server said instead. */
function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`HTTP ${result.response.status}: ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

// A booking flow through a client generated from the OpenAPI document alone (openapi-typescript
// + openapi-fetch), as a team without the SDK would write it: the same procedures as tRPC, so
// the SDK reads the same booking back.
describe('REST: a booking flow with a client generated from the document', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let alice: SignedUp;
  let anonymous: RestClient;
  let eventId: string;

  beforeAll(async () => {
    app = await startTestApp();
    [organizer, alice] = await Promise.all([app.signUp({ role: 'organizer' }), app.signUp()]);
    anonymous = await restClient(app.url);
  });
  afterAll(async () => app?.close());

  it('an organizer creates and publishes an event over REST', async () => {
    const { client } = await signedInRestClient(app.url, {
      email: organizer.email,
      password: TEST_PASSWORD,
    });
    const draft = ok(await client.POST('/events', { body: eventInput({ capacity: 5 }) }));
    expect(draft.status).toBe('draft');
    const published = ok(
      await client.POST('/events/{id}/publish', { params: { path: { id: draft.id } } }),
    );
    expect(published).toMatchObject({ id: draft.id, status: 'published' });
    eventId = published.id;
  });

  it('anyone lists events and reads one, its ticket types and its availability', async () => {
    const page = ok(await anonymous.GET('/events', { params: { query: { limit: 100 } } }));
    expect(page.items.map((e) => e.id)).toContain(eventId);
    const event = ok(await anonymous.GET('/events/{id}', { params: { path: { id: eventId } } }));
    expect(event.availability).toEqual({ available: 5, soldOut: false });
    const types = ok(
      await anonymous.GET('/events/{eventId}/ticket-types', { params: { path: { eventId } } }),
    );
    expect(types.map((t) => t.name)).toEqual(['General admission']);
    const availability = ok(
      await anonymous.GET('/events/{eventId}/availability', { params: { path: { eventId } } }),
    );
    expect(availability).toMatchObject({ capacity: 5, available: 5, soldOut: false });
  });

  it('a user signs in, books, reads the booking, cancels it', async () => {
    const session = await signedInRestClient(app.url, {
      email: alice.email,
      password: TEST_PASSWORD,
    });
    const me = ok(await session.client.GET('/auth/me'));
    expect(me.email).toBe(alice.email);

    const idempotencyKey = randomUUID();
    const booking = ok(
      await session.client.POST('/bookings', { body: { eventId, quantity: 2, idempotencyKey } }),
    );
    expect(booking).toMatchObject({ eventId, quantity: 2, status: 'pending', totalCents: 3000 });
    // The same key again is the same booking (the procedure's idempotency, not a second one).
    const again = ok(
      await session.client.POST('/bookings', { body: { eventId, quantity: 2, idempotencyKey } }),
    );
    expect(again.id).toBe(booking.id);

    const path = { bookingId: booking.id };
    const read = ok(await session.client.GET('/bookings/{bookingId}', { params: { path } }));
    expect(read).toEqual(booking);
    // The SDK, over tRPC, reads the very same booking.
    expect(await alice.client.bookings.get.query({ bookingId: booking.id })).toEqual(read);
    const mine = ok(await session.client.GET('/bookings', { params: { query: { limit: 10 } } }));
    expect(mine.items.map((b) => b.id)).toEqual([booking.id]);
    const seats = ok(
      await anonymous.GET('/events/{eventId}/availability', { params: { path: { eventId } } }),
    );
    expect(seats).toMatchObject({ held: 2, available: 3 });

    const cancelled = ok(
      await session.client.POST('/bookings/{bookingId}/cancel', {
        params: { path },
        body: { reason: 'plans changed' },
      }),
    );
    expect(cancelled).toMatchObject({ id: booking.id, status: 'cancelled' });
    const after = ok(
      await anonymous.GET('/events/{eventId}/availability', { params: { path: { eventId } } }),
    );
    expect(after).toMatchObject({ held: 0, available: 5 });
  });

  it('refresh rotates the tokens; after logout the old access token is refused', async () => {
    const session = await signedInRestClient(app.url, {
      email: alice.email,
      password: TEST_PASSWORD,
    });
    const rotated = ok(
      await anonymous.POST('/auth/refresh', { body: { refreshToken: session.refreshToken } }),
    );
    expect(rotated.refreshToken).not.toBe(session.refreshToken);
    const fresh = await restClient(app.url, { token: rotated.accessToken });
    expect(ok(await fresh.POST('/auth/logout'))).toEqual({ ok: true });
    const { error, response } = await fresh.GET('/auth/me');
    expect(response.status).toBe(401);
    expect(error?.error.appCode).toBe('SESSION_REVOKED');
  });
});
