import type { Booking, Event } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { sdkClient } from './sdk-client.js';

// client.paginate over real keyset-paged lists: every item once, pages fetched as the loop
// reaches them.
describe('SDK paginate', () => {
  let app: TestApp;
  let organizer: SignedUp;
  const created: string[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    organizer = await app.signUp({ role: 'organizer' });
    for (let i = 0; i < 7; i += 1) {
      const event = await organizer.client.events.create.mutate(eventInput({ priceCents: 0 }));
      created.push(event.id);
    }
  });
  afterAll(async () => app?.close());

  it('walks every page of events.list, each event once, typed', async () => {
    const { client, http } = sdkClient(app.url, { tokens: organizer.tokens });
    const seen: string[] = [];
    for await (const event of client.paginate(client.events.list, {
      limit: 3,
      organizerId: organizer.tokens.user.id,
    })) {
      expectTypeOf(event).toEqualTypeOf<Event>();
      seen.push(event.id);
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(new Set(created));
    const pages = http.requests.filter((r) => r.procedures.includes('events.list'));
    expect(pages).toHaveLength(3);
    // The first page has no cursor; each later one a new cursor.
    const cursors = pages.map((r) => {
      const input = new URL(r.url).searchParams.get('input') ?? '{}';
      return (JSON.parse(input) as Record<string, { cursor?: string }>)['0']?.cursor;
    });
    expect(cursors[0]).toBeUndefined();
    expect(typeof cursors[1]).toBe('string');
    expect(typeof cursors[2]).toBe('string');
    expect(cursors[2]).not.toBe(cursors[1]);
  });

  it('fetches the next page only when the loop gets there', async () => {
    const { client, http } = sdkClient(app.url, { tokens: organizer.tokens });
    const first: string[] = [];
    for await (const event of client.paginate(client.events.list, {
      limit: 3,
      organizerId: organizer.tokens.user.id,
    })) {
      first.push(event.id);
      if (first.length === 3) break;
    }
    expect(http.count('events.list')).toBe(1);
    const walk = client.paginate(client.events.list, {
      limit: 3,
      organizerId: organizer.tokens.user.id,
    });
    expect(http.count('events.list')).toBe(1);
    for (let i = 0; i < 4; i += 1) await walk.next();
    expect(http.count('events.list')).toBe(3);
  });

  it('works for any list: bookings.mine over three pages, input optional', async () => {
    const event = await organizer.client.events.create.mutate(
      eventInput({ capacity: 10, priceCents: 0, maxPerBooking: 1 }),
    );
    await organizer.client.events.publish.mutate({ id: event.id });
    const alice = await app.signUp();
    const { client, http } = sdkClient(app.url, { tokens: alice.tokens });
    const booked: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      booked.push((await client.bookings.create.mutate({ eventId: event.id, quantity: 1 })).id);
    }
    const seen: Booking[] = [];
    for await (const booking of client.paginate(client.bookings.mine, { limit: 2 })) {
      seen.push(booking);
    }
    expect(seen.map((b) => b.id).sort()).toEqual([...booked].sort());
    expect(http.count('bookings.mine')).toBe(3);
    let all = 0;
    for await (const _ of client.paginate(client.bookings.mine)) all += 1;
    expect(all).toBe(5);
  });

  it('types: the cursor is the helper’s, and only paged lists qualify', () => {
    const { client, http } = sdkClient(app.url);
    // @ts-expect-error the helper moves the cursor
    void client.paginate(client.events.list, { cursor: 'abc' });
    // @ts-expect-error events.get is not a list
    void client.paginate(client.events.get, { id: created[0] ?? '' });
    // @ts-expect-error listForEvent needs its eventId
    void client.paginate(client.bookings.listForEvent, {});
    // Nothing is fetched until the loop starts.
    expect(http.requests).toEqual([]);
  });
});
