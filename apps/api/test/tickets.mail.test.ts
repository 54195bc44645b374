import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOKING_CONFIRMED_SUBJECT } from '../src/modules/notifications/mail/templates/booking-confirmed.mail.js';
import { createTicketsModule } from '../src/modules/tickets/tickets.module.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { subjectPattern, until } from './payments.stripe.fixtures.js';
import { decodeQrPng } from './qr-decode.js';
import { seatedEvent } from './seated-event.js';

// The confirmation mail carries the booking's tickets: each ticket's QR code as an inline PNG
// (a CID attachment the HTML shows), which a real QR decoder reads back as that ticket's signed
// code. The mail never waits for the tickets consumer: it issues what is missing itself.
describe('tickets in the confirmation mail', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let alice: SignedUp;

  beforeAll(async () => {
    app = await startTestApp();
    [organizer, alice] = await Promise.all([app.signUp({ role: 'organizer' }), app.signUp()]);
  });
  afterAll(async () => app?.close());

  const confirmation = () => app.mail(alice.email, subjectPattern(BOOKING_CONFIRMED_SUBJECT));

  async function jwks(): Promise<JSONWebKeySet> {
    return (await (
      await fetch(`${app.url}/.well-known/evently/ticket-keys.json`)
    ).json()) as JSONWebKeySet;
  }

  /** The mail's inline images by Content-ID, each decoded by a QR reader. */
  function decodedImages(mail: Awaited<ReturnType<typeof confirmation>>) {
    return new Map(
      mail.attachments
        .filter((a) => a.inline && a.contentType === 'image/png')
        .map((a) => [a.contentId, decodeQrPng(a.content).text]),
    );
  }

  it('shows each ticket’s QR code inline, read back by a decoder as that ticket’s code', async () => {
    const draft = await organizer.client.events.create.mutate(
      eventInput({ capacity: 10, priceCents: 0 }),
    );
    const event = await organizer.client.events.publish.mutate({ id: draft.id });
    const booking = await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 3 });
    const mail = await confirmation();
    const tickets = await alice.client.tickets.forBooking.query({ bookingId: booking.id });
    expect(tickets).toHaveLength(3);

    const images = decodedImages(mail);
    expect(images.size).toBe(3);
    const keys = createLocalJWKSet(await jwks());
    for (const ticket of tickets) {
      const contentId = `ticket-${ticket.id}@evently`;
      // The HTML shows it where the image is attached; the decoded code is the ticket's own.
      expect(mail.html).toContain(`src="cid:${contentId}"`);
      const decoded = images.get(contentId);
      expect(decoded).toBe(ticket.code);
      const { payload } = await compactVerify(decoded ?? '', keys, { algorithms: ['EdDSA'] });
      expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ tid: ticket.id });
    }
    expect(mail.text).toContain('Ticket 3 of 3');

    // Sent: the row keeps no images (a QR code lets its holder in), like no bodies.
    const row = await until(
      () =>
        app.db.handle.db
          .selectFrom('sent_emails')
          .select(['status', 'attachments', 'body_html'])
          .where('to_email', '=', alice.email)
          .where('template', '=', 'booking-confirmed')
          .executeTakeFirstOrThrow(),
      (r) => r.status === 'sent',
    );
    expect(row).toEqual({ status: 'sent', attachments: null, body_html: null });
  });

  it('names each seated ticket’s seat beside its code', async () => {
    const hall = await seatedEvent(app, organizer, [4], { priceCents: 0 });
    await alice.client.bookings.create.mutate({
      eventId: hall.event.id,
      items: [{ ticketTypeId: hall.typeId, quantity: 2, seatIds: hall.ids('A2', 'A3') }],
    });
    const mail = await confirmation();
    expect(mail.text).toContain('Ticket 1 of 2 · ');
    expect(mail.text).toMatch(/Ticket 1 of 2 · .+ — Section main, Row A: 2/);
    expect(mail.text).toMatch(/Ticket 2 of 2 · .+ — Section main, Row A: 3/);
    expect([...decodedImages(mail).values()].every((code) => code?.split('.').length === 3)).toBe(
      true,
    );
  });

  it('issues the tickets itself when the tickets consumer has not yet, once', async () => {
    const draft = await organizer.client.events.create.mutate(
      eventInput({ capacity: 10, priceCents: 0 }),
    );
    const event = await organizer.client.events.publish.mutate({ id: draft.id });
    const booking = await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    await confirmation();
    const db = app.db.handle.db;
    // As before either consumer ran: the booking is confirmed and has no tickets.
    await db.deleteFrom('tickets').where('booking_id', '=', booking.id).execute();
    const { mailed } = createTicketsModule({
      db,
      roles: app.services.organizations.roles,
      now: () => new Date(),
      production: false,
    });
    const first = await db
      .transaction()
      .execute((trx) => mailed.ofConfirmedBooking(trx, booking.id));
    const again = await db
      .transaction()
      .execute((trx) => mailed.ofConfirmedBooking(trx, booking.id));
    expect(first).toHaveLength(2);
    expect(again.map((t) => t.ticketId)).toEqual(first.map((t) => t.ticketId));
    const issued = await alice.client.tickets.forBooking.query({ bookingId: booking.id });
    expect(issued.map((t) => t.id).sort()).toEqual(first.map((t) => t.ticketId).sort());
    expect(first.map((t) => decodeQrPng(t.qrPng).text).sort()).toEqual(
      issued.map((t) => t.code).sort(),
    );

    // A booking cancelled meanwhile gets none.
    await alice.client.bookings.cancel.mutate({ bookingId: booking.id });
    const none = await db
      .transaction()
      .execute((trx) => mailed.ofConfirmedBooking(trx, booking.id));
    expect(none).toEqual([]);
  });
});
