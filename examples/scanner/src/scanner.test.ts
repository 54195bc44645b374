import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  adminClient,
  type EmbeddedApi,
  invitationCode,
  publishEvent,
  runExample,
  signUp,
  signUpOrganizer,
  startEmbeddedApi,
} from '@evently/examples-testing';
import type { EventlyClient, Ticket } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scanner } from './scanner.js';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));
const MINUTE = 60_000;

/** Polls until `done` holds (tickets are issued by a consumer, a moment after the booking). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const value = await read();
    if (done(value)) return value;
    if (attempt === 100) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('examples/scanner against pnpm start (embedded)', () => {
  const staffAccount = { email: 'dora@example.com', password: 'door passphrase 123' };
  let api: EmbeddedApi;
  let organizer: EventlyClient;
  let staff: EventlyClient;
  let buyer: EventlyClient;
  let eventId: string;
  let tickets: Ticket[];
  let otherEventTicket: Ticket;

  async function book(eventId: string, quantity: number): Promise<Ticket[]> {
    const booking = await buyer.bookings.create.mutate({ eventId, quantity });
    return until(
      () => buyer.tickets.forBooking.query({ bookingId: booking.id }),
      (issued) => issued.length === quantity,
    );
  }

  beforeAll(async () => {
    api = await startEmbeddedApi();
    const admin = await adminClient(api);
    organizer = await signUpOrganizer(api, admin, {
      email: 'olga@example.com',
      name: 'Olga',
      password: 'organizer passphrase 123',
    });
    const event = await publishEvent(organizer, { capacity: 20, priceCents: 0, maxPerBooking: 5 });
    eventId = event.id;
    const other = await publishEvent(organizer, { capacity: 5, priceCents: 0 });
    staff = await signUp(api, { ...staffAccount, name: 'Dora' });
    await organizer.organizations.members.invite.mutate({
      organizationId: event.organizationId,
      email: staffAccount.email,
      role: 'staff',
    });
    const code = await invitationCode(api.url, staffAccount.email);
    await staff.organizations.invitations.accept.mutate({ code });
    buyer = await signUp(api, { email: 'bea@example.com', name: 'Bea' });
    tickets = await book(eventId, 3);
    [otherEventTicket] = (await book(other.id, 1)) as [Ticket];
  });
  afterAll(async () => api?.stop());

  it('decides offline, then syncs: the online entry at another gate came first', async () => {
    const [one, two, three] = tickets as [Ticket, Ticket, Ticket];
    const list = await organizer.checkin.lists.create.mutate({ eventId, name: 'Main gate' });
    const scanner = new Scanner(staff);
    const exported = await scanner.load(list.id);
    expect(exported.tickets).toHaveLength(3);

    // Offline from here: half an hour ago by the scanner's clock, a minute apart.
    const t0 = Date.now() - 30 * MINUTE;
    const at = (minutes: number) => new Date(t0 + minutes * MINUTE);
    const gate = 'South';
    expect((await scanner.scan(one.code, { gate, at: at(1) })).result).toBe('ok');
    expect((await scanner.scan(one.code, { gate, at: at(2) })).result).toBe('already_in');
    // Ticket three's claims under ticket one's signature.
    const [header, , signature] = one.code.split('.');
    const tampered = [header, three.code.split('.')[1], signature].join('.');
    expect(await scanner.scan(tampered, { gate, at: at(3) })).toMatchObject({ result: 'invalid' });
    expect(await scanner.scan(otherEventTicket.code, { gate, at: at(4) })).toMatchObject({
      result: 'wrong_event',
      ticketId: otherEventTicket.id,
    });

    // Meanwhile, online at the north gate, ticket two comes in (the server's time: now).
    const online = await staff.checkin.redeem.mutate({
      listId: list.id,
      code: two.code,
      nonce: `online-${randomUUID()}`,
      gate: 'North',
    });
    expect(online.result).toBe('ok');
    // The offline door knows nothing of it, and lets two in too — later than North did.
    const later = new Date();
    expect((await scanner.scan(two.code, { gate, at: later })).result).toBe('ok');
    expect((await scanner.scan(three.code, { gate, at: later })).result).toBe('ok');
    expect(scanner.pending).toHaveLength(6);

    const { synced, conflicts } = await scanner.sync();
    expect(synced.map((s) => [s.result, s.server])).toEqual([
      ['ok', 'ok'],
      ['already_in', 'already_in'],
      ['invalid', 'invalid'],
      ['wrong_event', 'wrong_event'],
      ['ok', 'already_in'],
      ['ok', 'ok'],
    ]);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({
      ticketId: two.id,
      result: 'ok',
      server: 'already_in',
      firstScan: { gate: 'North' },
    });
    expect(Date.parse(conflicts[0]?.firstScan?.at ?? '')).toBeLessThanOrEqual(later.getTime());
    expect(scanner.pending).toHaveLength(0);

    // One (offline), two (online), three (offline) are inside; nothing counted twice.
    const [counted] = (await staff.checkin.lists.list.query({ eventId })).filter(
      (l) => l.id === list.id,
    );
    expect(counted).toMatchObject({ checkedIn: 3, total: 3 });

    // The script: a fresh export knows three is inside, and the server agrees.
    const run = await runExample(exampleDir, ['--url', api.url, '--list', list.id, three.code], {
      EVENTLY_EMAIL: staffAccount.email,
      EVENTLY_PASSWORD: staffAccount.password,
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      [
        'list Main gate: 3 ticket(s), 3 inside',
        `already_in  ${three.id}`,
        'synced 1 scan(s), 0 conflict(s)',
        '',
      ].join('\n'),
    );
  });
});
