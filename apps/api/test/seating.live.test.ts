import type { Event, SeatingLiveMessage } from '@evently/contracts';
import { createEventlyClient, TRPCClientError } from '@evently/sdk';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import {
  joinOrganization,
  type SignedUp,
  startTestApp,
  type TestApp,
  type TestInstance,
} from './harness.js';
import { payFor } from './payments.js';
import { plan, row } from './seating.fixtures.js';

// seating.live over HTTP (SSE through the SDK): every seat change shows, whichever API instance
// made it; a client that reconnects with its last id gets what it missed; a plan edit says "read
// the map again"; a draft's stream is its members', and ends when a member leaves.
describe('seating live stream', () => {
  let app: TestApp;
  let second: TestInstance;
  let organizer: SignedUp;
  let member: SignedUp;
  let alice: SignedUp;
  const feeds: Array<{ stop(): void }> = [];

  beforeAll(async () => {
    app = await startTestApp({ streamCheckMs: 200 });
    second = await app.startInstance();
    [organizer, member, alice] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
    ]);
  });
  afterAll(async () => {
    for (const feed of feeds) feed.stop();
    await app?.close();
  });

  // Generous: SSE connections are slower on a loaded machine.
  const eventually = (check: () => void) => vi.waitFor(check, { timeout: 15_000, interval: 50 });

  /** A subscription through `url` (the first instance by default), anonymous unless a token. */
  function watch(input: { eventId: string; lastEventId?: string }, token?: string, url = app.url) {
    const client = createEventlyClient({
      url,
      EventSource,
      ...(token && { headers: () => ({ authorization: `Bearer ${token}` }) }),
    });
    const messages: Array<{ id: string; data: SeatingLiveMessage }> = [];
    const errors: unknown[] = [];
    const subscription = client.seating.live.subscribe(input, {
      onData: (message) => void messages.push(message),
      onError: (error) => void errors.push(error),
    });
    const feed = { messages, errors, stop: () => subscription.unsubscribe() };
    feeds.push(feed);
    return feed;
  }

  async function seatedEvent(publish = true) {
    const draft = await organizer.client.events.create.mutate(
      eventInput({ capacity: 50, priceCents: 2000 }),
    );
    const event: Event = publish
      ? await organizer.client.events.publish.mutate({ id: draft.id })
      : draft;
    const [type] = await organizer.client.ticketTypes.list.query({ eventId: event.id });
    const typeId = type?.id ?? '';
    await organizer.client.seating.setPlan.mutate({
      eventId: event.id,
      plan: plan({ main: [row('A', 8, typeId)] }),
    });
    const map = await organizer.client.seating.map.query({ eventId: event.id });
    const ids = (...labels: string[]) =>
      labels.map((l) => map.seats.find((s) => s.label === l)?.id ?? `missing ${l}`);
    return { event, typeId, ids };
  }

  const appCodeOf = (error: unknown) =>
    error instanceof TRPCClientError
      ? (error.data as { appCode?: string } | undefined)?.appCode
      : error;

  /** The seats' states as a client applying every message in order would hold them. */
  const statesOf = (messages: ReadonlyArray<{ data: SeatingLiveMessage }>) => {
    const states = new Map<string, string>();
    for (const { data } of messages) {
      if ('seatIds' in data) for (const id of data.seatIds) states.set(id, data.state);
    }
    return states;
  };

  it('tells every seat change as it happens, whichever instance made it', async () => {
    const { event, typeId, ids } = await seatedEvent();
    const feed = watch({ eventId: event.id });
    // First, the plan's version: a client whose map is of another version reads it again.
    await eventually(() => expect(feed.messages[0]?.data).toEqual({ planVersion: 1 }));

    const held = await alice.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: typeId, quantity: 2, seatIds: ids('1', '2') }],
    });
    const stateOf = (label: string) => statesOf(feed.messages).get(ids(label)[0] ?? '');
    await eventually(() => expect([stateOf('1'), stateOf('2')]).toEqual(['held', 'held']));
    await payFor(organizer.client, held);
    await eventually(() => expect([stateOf('1'), stateOf('2')]).toEqual(['sold', 'sold']));
    // Through the other instance: the stream's feed reads the database, not its own process.
    const other = await second.client(alice.tokens.accessToken).bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: typeId, quantity: 1, seatIds: ids('5') }],
    });
    await organizer.client.seating.block.mutate({ eventId: event.id, seatIds: ids('8') });
    await alice.client.bookings.cancel.mutate({ bookingId: other.id });
    await eventually(() => {
      const states = statesOf(feed.messages);
      expect([ids('1', '2', '5', '8').map((id) => states.get(id))]).toEqual([
        ['sold', 'sold', 'available', 'blocked'],
      ]);
    });
    // Ids move forward, and the stream never failed.
    const inventoryVersions = feed.messages.map((m) => Number(m.id.split('.')[1]));
    expect(inventoryVersions).toEqual([...inventoryVersions].sort((a, b) => a - b));
    expect(feed.errors).toEqual([]);
  });

  it('resumes after the last id it got, and says when the plan changed meanwhile', async () => {
    const { event, typeId, ids } = await seatedEvent();
    const first = watch({ eventId: event.id });
    await eventually(() => expect(first.messages).toHaveLength(1));
    const lastId = first.messages[0]?.id ?? '';
    first.stop();

    // While disconnected: a hold, then a block.
    await alice.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: typeId, quantity: 1, seatIds: ids('3') }],
    });
    await organizer.client.seating.block.mutate({ eventId: event.id, seatIds: ids('4') });
    const resumed = watch({ eventId: event.id, lastEventId: lastId }, undefined, second.url);
    await eventually(() => {
      const states = statesOf(resumed.messages);
      expect([states.get(ids('3')[0] ?? ''), states.get(ids('4')[0] ?? '')]).toEqual([
        'held',
        'blocked',
      ]);
    });
    // No plan message: its map is still good.
    expect(resumed.messages.some((m) => 'planVersion' in m.data)).toBe(false);
    resumed.stop();

    // The plan is edited: a client resuming from before learns to read the map again.
    const lastResumed = resumed.messages.at(-1)?.id ?? '';
    await organizer.client.seating.setPlan.mutate({
      eventId: event.id,
      expectedVersion: 1,
      plan: plan({ main: [row('A', 8, typeId), row('B', 4, typeId, 1)] }),
    });
    const after = watch({ eventId: event.id, lastEventId: lastResumed });
    await eventually(() => expect(after.messages[0]?.data).toEqual({ planVersion: 2 }));
    // And one watching live is told too.
    const live = watch({ eventId: event.id });
    await eventually(() => expect(live.messages).toHaveLength(1));
    await organizer.client.seating.setPlan.mutate({
      eventId: event.id,
      expectedVersion: 2,
      plan: plan({ main: [row('A', 8, typeId)] }),
    });
    await eventually(() => expect(live.messages.at(-1)?.data).toEqual({ planVersion: 3 }));
  });

  it("shows a draft's seats to its members only, and ends the stream of one who leaves", async () => {
    const { event } = await seatedEvent(false);
    await expectAppCode(
      createEventlyClient({ url: app.url }).seating.map.query({ eventId: event.id }),
      'NOT_FOUND',
    );
    const anonymous = watch({ eventId: event.id });
    await eventually(() => expect(anonymous.errors).toHaveLength(1));
    expect(appCodeOf(anonymous.errors[0])).toBe('NOT_FOUND');
    expect(anonymous.messages).toEqual([]);

    await joinOrganization(app, organizer, event.organizationId, member, 'viewer');
    const watching = watch({ eventId: event.id }, member.tokens.accessToken);
    await eventually(() => expect(watching.messages).toHaveLength(1));
    const [membership] = (
      await organizer.client.organizations.members.list.query({
        organizationId: event.organizationId,
      })
    ).items.filter((m) => m.email === member.email);
    await organizer.client.organizations.members.remove.mutate({
      organizationId: event.organizationId,
      userId: membership?.userId ?? '',
    });
    await eventually(() => expect(watching.errors).toHaveLength(1));
    expect(appCodeOf(watching.errors[0])).toBe('NOT_FOUND');
  });

  it('refuses an unknown event and a malformed id before streaming', async () => {
    const unknown = watch({ eventId: '00000000-0000-4000-8000-000000000000' });
    await eventually(() => expect(unknown.errors).toHaveLength(1));
    expect(appCodeOf(unknown.errors[0])).toBe('NOT_FOUND');
    expect(unknown.messages).toEqual([]);
    const { event } = await seatedEvent();
    const bad = watch({ eventId: event.id, lastEventId: 'not-an-id' });
    await eventually(() => expect(bad.errors).toHaveLength(1));
    expect(appCodeOf(bad.errors[0])).toBe('VALIDATION_FAILED');
  });
});
