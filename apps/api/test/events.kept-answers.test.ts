import type { Event } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_READ_MAX_AGE_MS } from '../src/cache/public-answers.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';

// Anonymous events.get / events.list answered from memory (cache/public-answers.ts): event data
// never stale once written, live availability at most PUBLIC_READ_MAX_AGE_MS old by the injected
// clock, signed-in readers always live, and a batch as the SDK sends it answered whole.
describe('events: anonymous answers kept in memory', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let attendee: SignedUp;
  /** The app's clock stands still unless a test moves it. */
  let nowMs = Date.now();

  beforeAll(async () => {
    app = await startTestApp({ now: () => new Date(nowMs) });
    organizer = await app.signUp({ role: 'organizer' });
    attendee = await app.signUp();
  });
  afterAll(async () => app?.close());

  const published = async (capacity: number): Promise<Event> => {
    const draft = await organizer.client.events.create.mutate(eventInput({ capacity }));
    return organizer.client.events.publish.mutate({ id: draft.id });
  };
  const soldOutBehindTheAppsBack = (event: Event) =>
    app.db.handle.db
      .updateTable('event_inventory')
      .set({ confirmed: event.capacity })
      .where('event_id', '=', event.id)
      .execute();
  const hits = () => app.services.publicAnswers.stats().hits;

  it('serves an anonymous reader from memory, availability at most PUBLIC_READ_MAX_AGE_MS old; a signed-in reader sees it live', async () => {
    const event = await published(10);
    const reader = app.client();
    const page = { organizerId: event.organizerId, from: event.startsAt, to: event.endsAt };
    const anonymous = async () => {
      const [one, listed] = await Promise.all([
        reader.events.get.query({ id: event.id }),
        reader.events.list.query(page),
      ]);
      return [one.availability, listed.items.find((e) => e.id === event.id)?.availability];
    };
    // The first reads run the procedures (and pay the network's read lease); then from memory.
    for (let i = 0; i < 3; i += 1) {
      expect(await anonymous()).toEqual([{ available: 10, soldOut: false }, expect.anything()]);
    }
    const before = hits();
    await soldOutBehindTheAppsBack(event);
    const sold = { available: 0, soldOut: true };
    const open = { available: 10, soldOut: false };
    expect(await anonymous()).toEqual([open, open]);
    expect(hits()).toBe(before + 2);
    expect((await attendee.client.events.get.query({ id: event.id })).availability).toEqual(sold);

    nowMs += PUBLIC_READ_MAX_AGE_MS - 1;
    expect(await anonymous()).toEqual([open, open]);
    nowMs += 1;
    expect(await anonymous()).toEqual([sold, sold]);
  });

  it('never serves event data its writer has seen change: a cancel is seen by the next anonymous read', async () => {
    const event = await published(5);
    const reader = app.client();
    for (let i = 0; i < 3; i += 1) await reader.events.get.query({ id: event.id });
    const before = hits();
    expect((await reader.events.get.query({ id: event.id })).status).toBe('published');
    expect(hits()).toBe(before + 1);
    await organizer.client.events.cancel.mutate({ id: event.id, reason: 'Storm warning' });
    expect(await reader.events.get.query({ id: event.id })).toMatchObject({
      status: 'cancelled',
      cancelReason: 'Storm warning',
    });
  });

  it('answers a batch from memory only when every call in it is kept, byte for byte as the procedures did', async () => {
    const [one, two] = [await published(3), await published(4)];
    const ip = '10.77.0.1';
    const get = async (calls: [string, unknown][]) => {
      const paths = calls.map(([path]) => path).join(',');
      const input = Object.fromEntries(calls.map(([, value], i) => [i, value]));
      const response = await fetch(
        `${app.url}/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`,
        { headers: { 'x-forwarded-for': ip } },
      );
      expect(response.status).toBe(200);
      return response.text();
    };
    const pair: [string, unknown][] = [
      ['events.get', { id: one.id }],
      ['events.get', { id: two.id }],
    ];
    const ran = await get(pair);
    await get(pair); // pays the lease
    const before = hits();
    expect(await get(pair)).toBe(ran);
    expect(hits()).toBe(before + 2);
    // Another batch of the same calls (another URL): answered from each call's kept answer.
    const swapped = await get([pair[1], pair[0]] as [string, unknown][]);
    expect(JSON.parse(swapped)).toEqual((JSON.parse(ran) as unknown[]).reverse());
    expect(hits()).toBe(before + 4);

    // A call no module lets the HTTP layer keep (live availability with the waitlist) runs the
    // whole batch through the procedures.
    const mixed: [string, unknown][] = [...pair, ['bookings.availability', { eventId: one.id }]];
    const answers = JSON.parse(await get(mixed)) as unknown[];
    expect(answers).toHaveLength(3);
    expect(hits()).toBe(before + 4);
  });

  it('never keeps an answer for a signed-in reader, nor an error', async () => {
    const event = await published(2);
    const kept = () => app.services.publicAnswers.stats().kept;
    const before = kept();
    for (let i = 0; i < 3; i += 1) await attendee.client.events.get.query({ id: event.id });
    const reader = app.client();
    for (let i = 0; i < 3; i += 1) {
      await expect(
        reader.events.get.query({ id: '00000000-0000-4000-8000-000000000000' }),
      ).rejects.toMatchObject({ data: { appCode: 'NOT_FOUND' } });
    }
    expect(kept()).toBe(before);
  });
});
