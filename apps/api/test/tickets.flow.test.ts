import type { Ticket } from '@evently/contracts';
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import { joinOrganization, type SignedUp, startTestApp, type TestApp } from './harness.js';
import { payFor } from './payments.js';
import { until } from './payments.stripe.fixtures.js';
import { seatedEvent } from './seated-event.js';

// Tickets over HTTP through the SDK: issued when a booking is confirmed (one per unit or seat,
// by the tickets consumer), voided when it is cancelled; each code verifies offline against the
// public keys at /.well-known/evently/ticket-keys.json; the booking's holder and its event's
// managers see them, nobody else.
describe('tickets', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let manager: SignedUp;
  let alice: SignedUp;
  let bob: SignedUp;

  beforeAll(async () => {
    app = await startTestApp();
    [organizer, manager, alice, bob] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
      app.signUp(),
    ]);
  });
  afterAll(async () => app?.close());

  async function publishedEvent(priceCents = 0) {
    const draft = await organizer.client.events.create.mutate(
      eventInput({ capacity: 20, priceCents }),
    );
    return organizer.client.events.publish.mutate({ id: draft.id });
  }

  /** The booking's tickets once its consumer has run (`count` of them). */
  const ticketsOf = (who: SignedUp, bookingId: string, count: number) =>
    until(
      () => who.client.tickets.forBooking.query({ bookingId }),
      (tickets) => tickets.length === count,
    );

  async function jwks(): Promise<JSONWebKeySet> {
    const response = await fetch(`${app.url}/.well-known/evently/ticket-keys.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('max-age');
    return (await response.json()) as JSONWebKeySet;
  }

  /** A code's claims as a gate reads them offline: with nothing but the published keys. */
  async function verifiedOffline(code: string, keys: JSONWebKeySet) {
    const { payload, protectedHeader } = await compactVerify(code, createLocalJWKSet(keys), {
      algorithms: ['EdDSA'],
    });
    expect(protectedHeader.kid).toBeTruthy();
    return JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
  }

  it('issues one ticket per unit of a confirmed booking, each verifiable offline', async () => {
    const event = await publishedEvent();
    const booking = await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 3 });
    expect(booking.status).toBe('confirmed');
    const tickets = await ticketsOf(alice, booking.id, 3);
    const keys = await jwks();
    expect(
      keys.keys.every((k) => k.kty === 'OKP' && k.crv === 'Ed25519' && k.alg === 'EdDSA'),
    ).toBe(true);
    expect(new Set(tickets.map((t) => t.id)).size).toBe(3);
    for (const ticket of tickets) {
      expect(ticket).toMatchObject({ bookingId: booking.id, eventId: event.id, status: 'valid' });
      expect(await verifiedOffline(ticket.code, keys)).toEqual({
        tid: ticket.id,
        eid: event.id,
        tt: ticket.ticketTypeId,
      });
    }
    // A code is the same however often it is read (Ed25519 signatures are deterministic).
    const again = await alice.client.tickets.forBooking.query({ bookingId: booking.id });
    expect(again.map((t) => t.code)).toEqual(tickets.map((t) => t.code));
    // A tampered code does not verify.
    const [header, payload, signature] = (tickets[0]?.code ?? '').split('.');
    const forged = [header, Buffer.from('{"tid":"x"}').toString('base64url'), signature].join('.');
    await expect(verifiedOffline(forged, keys)).rejects.toThrow();
    expect(payload).toBeTruthy();
  });

  it('issues a paid booking its tickets once paid, with its seats, and voids them on cancel', async () => {
    const hall = await seatedEvent(app, organizer, [6]);
    const held = await alice.client.bookings.create.mutate({
      eventId: hall.event.id,
      items: [{ ticketTypeId: hall.typeId, quantity: 2, seatIds: hall.ids('A3', 'A4') }],
    });
    // A hold has no ticket.
    expect(await alice.client.tickets.forBooking.query({ bookingId: held.id })).toEqual([]);
    await payFor(organizer.client, held);
    const tickets = await ticketsOf(alice, held.id, 2);
    expect(tickets.map((t) => t.seat?.label).sort()).toEqual(['3', '4']);
    const keys = await jwks();
    for (const ticket of tickets) {
      expect(await verifiedOffline(ticket.code, keys)).toMatchObject({ seat: ticket.seat?.seatId });
    }
    await alice.client.bookings.cancel.mutate({ bookingId: held.id });
    await until(
      () => alice.client.tickets.forBooking.query({ bookingId: held.id }),
      (list) => list.length === 2 && list.every((t) => t.status === 'void'),
    );
  });

  it("shows a booking's tickets to its holder and its event's managers, nobody else", async () => {
    const event = await publishedEvent();
    await joinOrganization(app, organizer, event.organizationId, manager, 'manager');
    const booking = await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const [ticket] = await ticketsOf(alice, booking.id, 1);
    expect(await manager.client.tickets.forBooking.query({ bookingId: booking.id })).toHaveLength(
      1,
    );
    // Someone else's booking and ticket are not disclosed, as a booking is not.
    await expectAppCode(
      bob.client.tickets.forBooking.query({ bookingId: booking.id }),
      'NOT_FOUND',
    );
    await expectAppCode(bob.client.tickets.qr.query({ ticketId: ticket?.id ?? '' }), 'NOT_FOUND');
    const svg = await alice.client.tickets.qr.query({ ticketId: ticket?.id ?? '' });
    expect(svg.contentType).toBe('image/svg+xml');
    expect(svg.body).toMatch(/^<svg[^>]*viewBox/);
    const png = await manager.client.tickets.qr.query({
      ticketId: ticket?.id ?? '',
      format: 'png',
    });
    expect(png.contentType).toBe('image/png');
    expect(Buffer.from(png.body, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });

  it("pages a caller's own tickets in issue order, by event when asked", async () => {
    const [first, second] = [await publishedEvent(), await publishedEvent()];
    const one = await bob.client.bookings.create.mutate({ eventId: first.id, quantity: 2 });
    const two = await bob.client.bookings.create.mutate({ eventId: second.id, quantity: 1 });
    await ticketsOf(bob, one.id, 2);
    await ticketsOf(bob, two.id, 1);
    const seen: Ticket[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Ticket[]; nextCursor: string | null } =
        await bob.client.tickets.mine.query({ limit: 2, cursor });
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((t) => t.bookingId).sort()).toEqual([one.id, one.id, two.id].sort());
    const ofSecond = await bob.client.tickets.mine.query({ limit: 10, eventId: second.id });
    expect(ofSecond.items.map((t) => t.bookingId)).toEqual([two.id]);
    // Nobody else's.
    expect(
      (await alice.client.tickets.mine.query({ limit: 10, eventId: second.id })).items,
    ).toEqual([]);
  });
});
