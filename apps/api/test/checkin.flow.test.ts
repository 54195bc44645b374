import { randomUUID } from 'node:crypto';
import type { Event, Ticket } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import {
  joinOrganization,
  type SignedUp,
  startTestApp,
  type TestApp,
  type TestInstance,
} from './harness.js';
import { until } from './payments.stripe.fixtures.js';

const nonce = () => `scan-${randomUUID()}`;

// Check-in over HTTP through the SDK: lists of an event, scans at its doors with the result a
// gate shows (ok, already in, not in, invalid, void, wrong event, wrong list), a nonce making a
// scan idempotent, entry and exit with and without re-entry, and one ticket scanned at four
// gates on two API instances at once let in exactly once.
describe('check-in', () => {
  let app: TestApp;
  let second: TestInstance;
  let organizer: SignedUp;
  let staff: SignedUp;
  let viewer: SignedUp;
  let alice: SignedUp;
  let event: Event;

  beforeAll(async () => {
    app = await startTestApp();
    second = await app.startInstance();
    [organizer, staff, viewer, alice] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
      app.signUp(),
    ]);
    event = await freeEvent();
    await joinOrganization(app, organizer, event.organizationId, staff, 'staff');
    await joinOrganization(app, organizer, event.organizationId, viewer, 'viewer');
  });
  afterAll(async () => app?.close());

  async function freeEvent(): Promise<Event> {
    const draft = await organizer.client.events.create.mutate(
      eventInput({ capacity: 50, priceCents: 0, maxPerBooking: 5 }),
    );
    return organizer.client.events.publish.mutate({ id: draft.id });
  }

  /** Alice's tickets of a new free booking of `eventId`, once issued. */
  async function ticketsOf(eventId: string, quantity: number): Promise<Ticket[]> {
    const booking = await alice.client.bookings.create.mutate({ eventId, quantity });
    return until(
      () => alice.client.tickets.forBooking.query({ bookingId: booking.id }),
      (tickets) => tickets.length === quantity,
    );
  }

  const list = (input: { eventId?: string; allowReentry?: boolean; ticketTypeIds?: string[] }) =>
    organizer.client.checkin.lists.create.mutate({
      eventId: input.eventId ?? event.id,
      name: `Door ${randomUUID().slice(0, 4)}`,
      ...(input.allowReentry !== undefined && { allowReentry: input.allowReentry }),
      ...(input.ticketTypeIds && { ticketTypeIds: input.ticketTypeIds }),
    });
  const scan = (
    listId: string,
    code: string,
    options: { direction?: 'entry' | 'exit'; gate?: string; nonce?: string } = {},
  ) =>
    staff.client.checkin.redeem.mutate({
      listId,
      code,
      nonce: options.nonce ?? nonce(),
      ...(options.direction && { direction: options.direction }),
      ...(options.gate && { gate: options.gate }),
    });

  it('lets a ticket in once, says when and where it came in, and counts it', async () => {
    const door = await list({});
    const [ticket] = await ticketsOf(event.id, 1);
    const code = ticket?.code ?? '';
    const first = await scan(door.id, code, { gate: 'North' });
    expect(first.result).toBe('ok');
    expect(first.ticket?.id).toBe(ticket?.id);
    const again = await scan(door.id, code, { gate: 'South' });
    expect(again.result).toBe('already_in');
    expect(again.firstScan?.gate).toBe('North');
    // The same nonce is the same scan: answered alike, counted once.
    const sameNonce = nonce();
    const [a, b] = await Promise.all([
      scan(door.id, code, { nonce: sameNonce }),
      scan(door.id, code, { nonce: sameNonce }),
    ]);
    expect(a).toEqual(b);
    const [listed] = (await staff.client.checkin.lists.list.query({ eventId: event.id })).filter(
      (l) => l.id === door.id,
    );
    expect(listed).toMatchObject({ checkedIn: 1, allowReentry: false, ticketTypeIds: null });
    expect(listed?.total).toBeGreaterThanOrEqual(1);
  });

  it('takes exits, and lets a ticket back in only where re-entry is allowed', async () => {
    const strict = await list({});
    const loose = await list({ allowReentry: true });
    const [ticket] = await ticketsOf(event.id, 1);
    const code = ticket?.code ?? '';
    expect((await scan(strict.id, code, { direction: 'exit' })).result).toBe('not_in');
    for (const door of [strict, loose]) {
      expect((await scan(door.id, code)).result).toBe('ok');
      expect((await scan(door.id, code, { direction: 'exit' })).result).toBe('ok');
      expect((await scan(door.id, code, { direction: 'exit' })).result).toBe('not_in');
    }
    expect((await scan(strict.id, code)).result).toBe('already_in');
    expect((await scan(loose.id, code)).result).toBe('ok');
    expect((await scan(loose.id, code)).result).toBe('already_in');
  });

  it('refuses codes that are not this list’s tickets, with the reason', async () => {
    const door = await list({});
    const [ticket] = await ticketsOf(event.id, 1);
    const code = ticket?.code ?? '';
    const [header, payload] = code.split('.');
    expect((await scan(door.id, `${header}.${payload}.AAAA`)).result).toBe('invalid');
    expect((await scan(door.id, 'not a code at all')).result).toBe('invalid');
    // Another event's ticket.
    const other = await freeEvent();
    const [elsewhere] = await ticketsOf(other.id, 1);
    const wrongEvent = await scan(door.id, elsewhere?.code ?? '');
    // Told which, but not shown another event's ticket.
    expect(wrongEvent).toEqual({ result: 'wrong_event' });
    // A list of another type (on an event of its own: two types make `quantity` ambiguous).
    const typed = await freeEvent();
    const [general] = await ticketsOf(typed.id, 1);
    const vip = await organizer.client.ticketTypes.create.mutate({
      eventId: typed.id,
      name: 'VIP',
      priceCents: 0,
    });
    const vipDoor = await list({ eventId: typed.id, ticketTypeIds: [vip.id] });
    expect((await scan(vipDoor.id, general?.code ?? '')).result).toBe('wrong_list');
    // A cancelled booking's ticket.
    const [cancelled] = await ticketsOf(event.id, 1);
    await alice.client.bookings.cancel.mutate({ bookingId: cancelled?.bookingId ?? '' });
    await until(
      () => alice.client.tickets.forBooking.query({ bookingId: cancelled?.bookingId ?? '' }),
      (tickets) => tickets[0]?.status === 'void',
    );
    expect((await scan(door.id, cancelled?.code ?? '')).result).toBe('void');
  });

  it('lets one ticket in once when four gates on two instances scan it at once', async () => {
    const door = await list({});
    const [ticket] = await ticketsOf(event.id, 1);
    const clients = [staff.client, second.client(staff.tokens.accessToken)];
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (clients[i % 2] ?? staff.client).checkin.redeem.mutate({
          listId: door.id,
          code: ticket?.code ?? '',
          nonce: nonce(),
          gate: `Gate ${i % 4}`,
        }),
      ),
    );
    const results = answers.map((a) => a.result);
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'already_in')).toHaveLength(199);
    const rows = await app.db.handle.db
      .selectFrom('checkins')
      .select('id')
      .where('list_id', '=', door.id)
      .execute();
    expect(rows).toHaveLength(1);
    // Told once: one ticket.checked_in for the one entry.
    const told = await app.db.handle.db
      .selectFrom('outbox')
      .select(['payload'])
      .where('topic', '=', 'ticket.checked_in')
      .where('aggregate_id', '=', ticket?.id ?? '')
      .execute();
    expect(told.map((t) => t.payload)).toEqual([
      expect.objectContaining({ ticketId: ticket?.id, listId: door.id, direction: 'entry' }),
    ]);
  });

  it('lets staff scan, managers make lists, and nobody else', async () => {
    // The event is public: a caller who is not its staff is refused, not kept in the dark.
    const door = await list({});
    const [ticket] = await ticketsOf(event.id, 1);
    await expectAppCode(
      staff.client.checkin.lists.create.mutate({ eventId: event.id, name: 'Mine' }),
      'FORBIDDEN',
    );
    await expectAppCode(
      viewer.client.checkin.redeem.mutate({
        listId: door.id,
        code: ticket?.code ?? '',
        nonce: nonce(),
      }),
      'FORBIDDEN',
    );
    await expectAppCode(
      alice.client.checkin.redeem.mutate({
        listId: door.id,
        code: ticket?.code ?? '',
        nonce: nonce(),
      }),
      'FORBIDDEN',
    );
    await expectAppCode(
      organizer.client.checkin.lists.create.mutate({
        eventId: event.id,
        name: 'Wrong types',
        ticketTypeIds: [randomUUID()],
      }),
      'VALIDATION_FAILED',
    );
  });
});
