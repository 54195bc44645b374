import { randomUUID } from 'node:crypto';
import type { Event, Ticket } from '@evently/contracts';
import { compactVerify, createLocalJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventInput } from './event-input.js';
import { joinOrganization, type SignedUp, startTestApp, type TestApp } from './harness.js';
import { until } from './payments.stripe.fixtures.js';

const nonce = () => `offline-${randomUUID()}`;
const MINUTE = 60_000;

// The door without a network: a scanner exports its list (the keys and every ticket's state),
// verifies codes offline with those keys, and syncs its scans later — the earliest scan of a
// ticket wins, late duplicates are reported. And manual check-in by name.
describe('check-in offline and by name', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let staff: SignedUp;
  let alice: SignedUp;
  let event: Event;

  beforeAll(async () => {
    app = await startTestApp();
    [organizer, staff] = await Promise.all([app.signUp({ role: 'organizer' }), app.signUp()]);
    alice = await app.signUp({ name: 'Alice Liddell' });
    const draft = await organizer.client.events.create.mutate(
      eventInput({ capacity: 50, priceCents: 0, maxPerBooking: 5 }),
    );
    event = await organizer.client.events.publish.mutate({ id: draft.id });
    await joinOrganization(app, organizer, event.organizationId, staff, 'staff');
  });
  afterAll(async () => app?.close());

  async function aliceTickets(quantity: number): Promise<Ticket[]> {
    const booking = await alice.client.bookings.create.mutate({ eventId: event.id, quantity });
    return until(
      () => alice.client.tickets.forBooking.query({ bookingId: booking.id }),
      (tickets) => tickets.length === quantity,
    );
  }
  const newList = () =>
    organizer.client.checkin.lists.create.mutate({ eventId: event.id, name: 'Gate' });

  it('exports what a scanner needs to verify codes and know who is in', async () => {
    const list = await newList();
    const [ticket] = await aliceTickets(1);
    const exported = await staff.client.checkin.export.query({ listId: list.id });
    expect(exported.list.id).toBe(list.id);
    const mine = exported.tickets.find((t) => t.id === ticket?.id);
    expect(mine).toMatchObject({ status: 'valid', inside: false, entered: false });
    // Verified with nothing but the exported keys.
    const { payload } = await compactVerify(ticket?.code ?? '', createLocalJWKSet(exported.keys));
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ tid: ticket?.id });
    // In and out again: not inside, but it has entered (no re-entry on this list).
    for (const direction of ['entry', 'exit'] as const) {
      await staff.client.checkin.redeem.mutate({
        listId: list.id,
        code: ticket?.code ?? '',
        nonce: nonce(),
        direction,
      });
    }
    const later = await staff.client.checkin.export.query({ listId: list.id });
    expect(later.tickets.find((t) => t.id === ticket?.id)).toMatchObject({
      inside: false,
      entered: true,
    });
  });

  it('syncs offline scans earliest first, reporting the late duplicates', async () => {
    const list = await newList();
    const [one, two] = await aliceTickets(2);
    const t0 = Date.now() - 30 * MINUTE;
    const at = (minutes: number) => new Date(t0 + minutes * MINUTE).toISOString();
    // Online, ticket one came in at the north gate "now".
    const online = await staff.client.checkin.redeem.mutate({
      listId: list.id,
      code: one?.code ?? '',
      nonce: nonce(),
      gate: 'North',
    });
    expect(online.result).toBe('ok');
    // An offline scanner saw ticket one 20 minutes earlier, and ticket two twice.
    const scans = [
      { code: two?.code ?? '', nonce: nonce(), at: at(12), gate: 'South' },
      { code: one?.code ?? '', nonce: nonce(), at: at(10), gate: 'South' },
      { code: two?.code ?? '', nonce: nonce(), at: at(5), gate: 'South' },
      { code: 'garbage', nonce: nonce(), at: at(6), gate: 'South' },
    ];
    const { results } = await staff.client.checkin.sync.mutate({ listId: list.id, scans });
    expect(results.map((r) => r.result)).toEqual(['already_in', 'ok', 'ok', 'invalid']);
    // Two's second scan is reported with its first (the earlier one).
    expect(results[0]?.firstScan).toEqual({ at: at(5), gate: 'South' });
    expect(results.map((r) => r.nonce)).toEqual(scans.map((s) => s.nonce));
    // One's entry is now the earlier, offline one: a later online scan says so.
    const again = await staff.client.checkin.redeem.mutate({
      listId: list.id,
      code: one?.code ?? '',
      nonce: nonce(),
    });
    expect(again).toMatchObject({ result: 'already_in', firstScan: { at: at(10), gate: 'South' } });
    // Synced again (a retry): the same answers, nothing counted twice.
    expect((await staff.client.checkin.sync.mutate({ listId: list.id, scans })).results).toEqual(
      results,
    );
    const [counted] = (await staff.client.checkin.lists.list.query({ eventId: event.id })).filter(
      (l) => l.id === list.id,
    );
    expect(counted?.checkedIn).toBe(2);
  });

  it('finds attendees by name, email or ticket id for a manual check-in', async () => {
    const list = await newList();
    const [ticket] = await aliceTickets(1);
    const byName = await staff.client.checkin.search.query({ listId: list.id, q: 'liddell' });
    const found = byName.find((a) => a.ticket.id === ticket?.id);
    expect(found).toMatchObject({ name: 'Alice Liddell', email: alice.email, inside: false });
    expect(
      (await staff.client.checkin.search.query({ listId: list.id, q: alice.email })).length,
    ).toBeGreaterThan(0);
    const byId = await staff.client.checkin.search.query({
      listId: list.id,
      q: (ticket?.id ?? '').slice(0, 8),
    });
    expect(byId.map((a) => a.ticket.id)).toContain(ticket?.id);
    // Wildcards are literal.
    expect(await staff.client.checkin.search.query({ listId: list.id, q: '%%' })).toEqual([]);
    await staff.client.checkin.redeem.mutate({
      listId: list.id,
      code: found?.ticket.code ?? '',
      nonce: nonce(),
    });
    const after = await staff.client.checkin.search.query({ listId: list.id, q: 'liddell' });
    expect(after.find((a) => a.ticket.id === ticket?.id)?.inside).toBe(true);
  });
});
