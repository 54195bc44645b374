import { isEventlyError, TRPCClientError } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { type SdkClient, sdkClient } from './sdk-client.js';
import type { RecordedRequest } from './sdk-fetch.js';

// Retries after a network failure: the SDK's default idempotency keys make a retried booking or
// waitlist join land once; other mutations are never retried; queries are.
describe('SDK retries and default idempotency keys', () => {
  let app: TestApp;
  let organizer: SdkClient;
  let organizerUser: SignedUp;

  beforeAll(async () => {
    app = await startTestApp();
    organizerUser = await app.signUp({ role: 'organizer' });
    organizer = sdkClient(app.url, { tokens: organizerUser.tokens });
  });
  afterAll(async () => app?.close());

  const publishedEvent = async (capacity: number) => {
    const event = await organizer.client.events.create.mutate(
      eventInput({ capacity, priceCents: 0, maxPerBooking: 1 }),
    );
    await organizer.client.events.publish.mutate({ id: event.id });
    return event.id;
  };
  const keyOf = (request: RecordedRequest | undefined) =>
    (JSON.parse(request?.body ?? '{}') as Record<string, { idempotencyKey?: string }>)['0']
      ?.idempotencyKey;
  const tries = (http: SdkClient['http'], procedure: string) =>
    http.requests.filter((r) => r.procedures.includes(procedure));

  it('a booking whose answer was lost is retried with the same key: the same booking, once', async () => {
    const eventId = await publishedEvent(10);
    const alice = await app.signUp();
    const { client, http } = sdkClient(app.url, { tokens: alice.tokens });
    http.loseNextAnswer('bookings.create');

    const booking = await client.bookings.create.mutate({ eventId, quantity: 1 });
    const sent = tries(http, 'bookings.create');
    // Both reached the server; the first answer never reached the client.
    expect(sent.map((r) => r.status)).toEqual([200, 200]);
    expect(keyOf(sent[0])).toMatch(/^[0-9a-f-]{36}$/);
    expect(keyOf(sent[1])).toBe(keyOf(sent[0]));
    const rows = await app.db.handle.db
      .selectFrom('bookings')
      .select('id')
      .where('event_id', '=', eventId)
      .execute();
    expect(rows.map((r) => r.id)).toEqual([booking.id]);
    expect((await client.bookings.availability.query({ eventId })).available).toBe(9);

    // Separate calls get separate keys: a second booking is a second booking.
    const again = await client.bookings.create.mutate({ eventId, quantity: 1 });
    expect(again.id).not.toBe(booking.id);
    expect(keyOf(tries(http, 'bookings.create')[2])).not.toBe(keyOf(sent[0]));
  });

  it('a caller’s own key is kept', async () => {
    const eventId = await publishedEvent(10);
    const alice = await app.signUp();
    const { client, http } = sdkClient(app.url, { tokens: alice.tokens });
    const first = await client.bookings.create.mutate({
      eventId,
      quantity: 1,
      idempotencyKey: 'order-4711',
    });
    const second = await client.bookings.create.mutate({
      eventId,
      quantity: 1,
      idempotencyKey: 'order-4711',
    });
    expect(second.id).toBe(first.id);
    expect(tries(http, 'bookings.create').map(keyOf)).toEqual(['order-4711', 'order-4711']);
  });

  it('a waitlist join whose answer was lost is retried with the same key: one entry', async () => {
    const eventId = await publishedEvent(1);
    const bob = await app.signUp();
    await sdkClient(app.url, { tokens: bob.tokens }).client.bookings.create.mutate({
      eventId,
      quantity: 1,
    });
    const alice = await app.signUp();
    const { client, http } = sdkClient(app.url, { tokens: alice.tokens });
    http.loseNextAnswer('bookings.waitlist.join');

    const entry = await client.bookings.waitlist.join.mutate({ eventId, quantity: 1 });
    const sent = tries(http, 'bookings.waitlist.join');
    expect(sent).toHaveLength(2);
    expect(keyOf(sent[1])).toBe(keyOf(sent[0]));
    const mine = await client.bookings.waitlist.mine.query();
    expect(mine.map((e) => e.id)).toEqual([entry.id]);
  });

  it('other mutations are never retried: the failure reaches the caller, the server acted once', async () => {
    const { client, http } = sdkClient(app.url, { tokens: organizerUser.tokens });
    http.loseNextAnswer('events.create');
    const input = eventInput();
    const error = await client.events.create.mutate(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(isEventlyError(error)).toBe(false);
    expect(http.count('events.create')).toBe(1);
    const rows = await app.db.handle.db
      .selectFrom('events')
      .select('id')
      .where('title', '=', input.title)
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('queries are retried after a network failure', async () => {
    const eventId = await publishedEvent(5);
    const { client, http } = sdkClient(app.url);
    http.loseNextAnswer('events.get');
    expect((await client.events.get.query({ id: eventId })).id).toBe(eventId);
    expect(http.count('events.get')).toBe(2);
  });
});
