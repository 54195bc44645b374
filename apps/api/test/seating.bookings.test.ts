import type { Event, SeatingMap } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOKING_JOBS_QUEUE, EXPIRE_JOB } from '../src/modules/bookings/hold-expiry.js';
import { BOOKING_CONFIRMED_SUBJECT } from '../src/modules/notifications/mail/templates/booking-confirmed.mail.js';
import { expectAppCode } from './app-error.js';
import { type SignedUp, startTestApp, type TestApp, type TestInstance } from './harness.js';
import { payFor } from './payments.js';
import { subjectPattern, type TestClock, testClock, until } from './payments.stripe.fixtures.js';
import {
  type SeatedEvent,
  type SeatedEventOptions,
  seatedEvent as seatedEventOf,
  seatIdsOf,
} from './seated-event.js';

const HOLD_MINUTES = 10;

// Bookings that take reserved seats, over HTTP through the SDK: named seats all or none, the
// best available ones for a group, seats that follow their booking (held, expired, cancelled,
// sold again on a late payment, offered to the waitlist), and two API instances whose
// allocators each keep the hall in memory and never sell a seat twice.
describe('bookings with reserved seats', () => {
  let app: TestApp;
  let second: TestInstance;
  let clock: TestClock;
  let organizer: SignedUp;
  let alice: SignedUp;
  let bob: SignedUp;

  beforeAll(async () => {
    clock = testClock();
    app = await startTestApp({
      now: clock.now,
      bookings: { holdMinutes: HOLD_MINUTES, offerMinutes: HOLD_MINUTES },
      // The clock moves past several holds; the test clients' tokens are not refreshed.
      accessTokenTtlSeconds: 24 * 3600,
    });
    second = await app.startInstance();
    [organizer, alice, bob] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
    ]);
  });
  afterAll(async () => app?.close());

  const db = () => app.db.handle.db;

  const seatedEvent = (rows: number[], options?: SeatedEventOptions) =>
    seatedEventOf(app, organizer, rows, options);

  const states = async (event: Event, seated: SeatedEvent) => {
    const map: SeatingMap = await app.client().seating.map.query({ eventId: event.id });
    const by: Record<string, string[]> = {};
    for (const s of map.seats) {
      const list = by[s.state] ?? [];
      list.push(seated.names([s.id])[0] ?? '');
      by[s.state] = list.sort();
    }
    return by;
  };
  const liveAllocations = async (eventId: string) =>
    db()
      .selectFrom('seat_allocations')
      .select(['seat_id', 'booking_id'])
      .where('event_id', '=', eventId)
      .where('released_at', 'is', null)
      .execute();

  async function expire(bookingId: string) {
    clock.advance((HOLD_MINUTES + 1) * 60_000);
    await app.platform.queue.add(BOOKING_JOBS_QUEUE, {
      name: EXPIRE_JOB,
      data: { bookingId },
      options: { jobId: `expire.${bookingId}.seated` },
    });
    await until(
      () =>
        db()
          .selectFrom('bookings')
          .select('status')
          .where('id', '=', bookingId)
          .executeTakeFirstOrThrow(),
      (b) => b.status === 'expired',
    );
  }

  it('books named seats all or none, and names them in the booking', async () => {
    const hall = await seatedEvent([6, 6]);
    const { event, typeId } = hall;
    const booking = await alice.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: typeId, quantity: 2, seatIds: hall.ids('A4', 'A3') }],
    });
    expect(booking.status).toBe('pending');
    // In plan order, as a ticket prints them: the section's name, the row's label.
    expect(booking.items[0]?.seats).toEqual(
      hall.ids('A3', 'A4').map((seatId, i) => ({
        seatId,
        section: 'Section main',
        row: 'Row A',
        label: String(i + 3),
      })),
    );
    expect((await alice.client.bookings.get.query({ bookingId: booking.id })).items).toEqual(
      booking.items,
    );
    expect((await states(event, hall)).held).toEqual(['A3', 'A4']);

    // One of them taken: refused, naming it; the free one stays free and nothing is counted.
    const refused = await expectAppCode(
      bob.client.bookings.create.mutate({
        eventId: event.id,
        items: [{ ticketTypeId: typeId, quantity: 2, seatIds: hall.ids('A4', 'A5') }],
      }),
      'SEAT_UNAVAILABLE',
    );
    expect(refused.details).toEqual({ seatIds: hall.ids('A4') });
    expect((await states(event, hall)).held).toEqual(['A3', 'A4']);
    expect(await alice.client.bookings.availability.query({ eventId: event.id })).toMatchObject({
      available: 98,
    });
    // Through the other instance too, whose allocator had not seen the hall.
    await expectAppCode(
      second.client(bob.tokens.accessToken).bookings.create.mutate({
        eventId: event.id,
        items: [{ ticketTypeId: typeId, quantity: 1, seatIds: hall.ids('A3') }],
      }),
      'SEAT_UNAVAILABLE',
    );
    const other = await second.client(bob.tokens.accessToken).bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: typeId, quantity: 1, seatIds: hall.ids('A5') }],
    });
    expect(hall.names(seatIdsOf(other))).toEqual(['A5']);
    expect(await liveAllocations(event.id)).toHaveLength(3);
  });

  it('refuses seats a line cannot have, and malformed seat requests', async () => {
    const hall = await seatedEvent([4]);
    const unseated = await organizer.client.ticketTypes.create.mutate({
      eventId: hall.event.id,
      name: 'Standing',
      priceCents: 1000,
    });
    const elsewhere = await seatedEvent([2]);
    const { event, typeId } = hall;
    const ask = (items: Parameters<typeof alice.client.bookings.create.mutate>[0]['items']) =>
      alice.client.bookings.create.mutate({ eventId: event.id, items });
    // A seat of another event is not one of this event's seats.
    expect(
      (
        await expectAppCode(
          ask([{ ticketTypeId: typeId, quantity: 1, seatIds: elsewhere.ids('A1') }]),
          'SEAT_UNAVAILABLE',
        )
      ).details,
    ).toEqual({ seatIds: elsewhere.ids('A1') });
    // A type without seats in the plan has none to pick.
    await expectAppCode(
      ask([{ ticketTypeId: unseated.id, quantity: 1, seatIds: hall.ids('A1') }]),
      'VALIDATION_FAILED',
    );
    // One seat per ticket; `together` only for seats chosen for you.
    await expectAppCode(
      ask([{ ticketTypeId: typeId, quantity: 2, seatIds: hall.ids('A1') }]),
      'VALIDATION_FAILED',
    );
    await expectAppCode(
      ask([{ ticketTypeId: typeId, quantity: 1, seatIds: hall.ids('A1'), together: false }]),
      'VALIDATION_FAILED',
    );
    // The unseated type still sells, without seats, beside a seated line.
    const mixed = await ask([
      { ticketTypeId: unseated.id, quantity: 2 },
      { ticketTypeId: typeId, quantity: 1, seatIds: hall.ids('A2') },
    ]);
    expect(mixed.items.map((i) => i.seats?.length)).toEqual([undefined, 1]);
    expect(await liveAllocations(event.id)).toEqual([
      { seat_id: hall.ids('A2')[0], booking_id: mixed.id },
    ]);
  });

  it('seats a group together near the focus, or split when asked, or says why not', async () => {
    // Row A (front, 5 seats) and row B (7 seats); the focus is in front of A's middle.
    const hall = await seatedEvent([5, 7], { focus: { x: 2, y: -3 } });
    const { event, typeId } = hall;
    const book = (quantity: number, together?: boolean) =>
      bob.client.bookings.create.mutate({
        eventId: event.id,
        items: [
          { ticketTypeId: typeId, quantity, ...(together === undefined ? {} : { together }) },
        ],
      });
    // A type sold with seats offers no more than its free seats, whatever the capacity (100).
    const offered = async () => {
      const [booking] = (await app.client().bookings.availability.query({ eventId: event.id }))
        .ticketTypes;
      const [listed] = await app.client().ticketTypes.list.query({ eventId: event.id });
      // The type's own availability says the same.
      expect(listed?.availability.available).toBe(booking?.available);
      return booking?.available;
    };
    expect(await offered()).toBe(12);
    const pair = hall.names(seatIdsOf(await book(2)));
    expect(await offered()).toBe(10);
    // Adjacent, in the front row, leaving no single seat alone in it (A1 or A5 stay paired).
    expect(pair.every((s) => s.startsWith('A'))).toBe(true);
    expect([
      ['A1', 'A2'],
      ['A2', 'A3'],
      ['A3', 'A4'],
      ['A4', 'A5'],
    ]).toContainEqual(pair);
    expect(pair).not.toEqual(['A2', 'A3']);
    expect(pair).not.toEqual(['A3', 'A4']);
    // Eight together fit no row: refused, nothing taken; apart, they are seated.
    await expectAppCode(book(8), 'SEATS_NOT_TOGETHER');
    expect(await liveAllocations(event.id)).toHaveLength(2);
    const split = hall.names(seatIdsOf(await book(8, false)));
    expect(split).toHaveLength(8);
    expect(new Set([...split, ...pair]).size).toBe(10);
    // Two seats are left: a group of three finds too few.
    expect(await offered()).toBe(2);
    const soldOut = await expectAppCode(book(3), 'SOLD_OUT');
    expect(soldOut.details).toMatchObject({ ticketTypeId: typeId, available: 2 });
  });

  it('gives seats back when a hold expires, a booking is cancelled or the event is', async () => {
    const hall = await seatedEvent([4]);
    const { event, typeId } = hall;
    const named = (who: SignedUp, ...seats: string[]) =>
      who.client.bookings.create.mutate({
        eventId: event.id,
        items: [{ ticketTypeId: typeId, quantity: seats.length, seatIds: hall.ids(...seats) }],
      });
    const held = await named(alice, 'A1', 'A2');
    await expire(held.id);
    expect((await states(event, hall)).available).toEqual(['A1', 'A2', 'A3', 'A4']);
    // The other instance's allocator knew them taken: it learns they are free.
    const again = await second.client(bob.tokens.accessToken).bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: typeId, quantity: 2, seatIds: hall.ids('A1', 'A2') }],
    });
    await bob.client.bookings.cancel.mutate({ bookingId: again.id });
    expect((await states(event, hall)).available).toHaveLength(4);
    const kept = await named(alice, 'A1', 'A2');
    const sold = await payFor(organizer.client, await named(bob, 'A3'));
    expect(sold.status).toBe('confirmed');
    expect(await states(event, hall)).toEqual({
      held: ['A1', 'A2'],
      sold: ['A3'],
      available: ['A4'],
    });

    await organizer.client.events.cancel.mutate({ id: event.id, reason: 'storm' });
    await until(
      () => liveAllocations(event.id),
      (rows) => rows.length === 0,
    );
    // History stays: each booking still names the seats it had.
    const ended = await alice.client.bookings.get.query({ bookingId: kept.id });
    expect(ended.status).toBe('cancelled');
    expect(hall.names(seatIdsOf(ended))).toEqual(['A1', 'A2']);
  });

  it('keeps two instances straight: each sees what the other sold, freed or blocked', async () => {
    const hall = await seatedEvent([6, 6]);
    const { event, typeId } = hall;
    const pair = (client: typeof alice.client) =>
      client.bookings.create.mutate({
        eventId: event.id,
        items: [{ ticketTypeId: typeId, quantity: 2 }],
      });
    const one = second.client(alice.tokens.accessToken);
    const taken = [
      await pair(alice.client),
      await pair(one),
      await pair(alice.client),
      await pair(one),
    ].flatMap(seatIdsOf);
    expect(new Set(taken).size).toBe(8);
    // A seat blocked (the plan's seats version moves): neither instance offers it.
    const [free] = (await states(event, hall)).available ?? [];
    await organizer.client.seating.block.mutate({
      eventId: event.id,
      seatIds: hall.ids(free ?? ''),
    });
    const rest = [
      ...seatIdsOf(
        await alice.client.bookings.create.mutate({
          eventId: event.id,
          items: [{ ticketTypeId: typeId, quantity: 2, together: false }],
        }),
      ),
      ...seatIdsOf(
        await one.bookings.create.mutate({
          eventId: event.id,
          items: [{ ticketTypeId: typeId, quantity: 1 }],
        }),
      ),
    ];
    expect(rest).not.toContain(hall.ids(free ?? '')[0]);
    expect(new Set([...taken, ...rest]).size).toBe(11);
    await expectAppCode(pair(alice.client), 'SOLD_OUT');
    await expectAppCode(pair(one), 'SOLD_OUT');
  });

  it('sells an expired hold again, seats and all, when its payment arrives late', async () => {
    const hall = await seatedEvent([4]);
    const { event, typeId } = hall;
    const late = await alice.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: typeId, quantity: 2, seatIds: hall.ids('A2', 'A3') }],
    });
    await expire(late.id);
    const paid = await payFor(organizer.client, late);
    expect(paid.status).toBe('confirmed');
    expect(hall.names(seatIdsOf(paid))).toEqual(['A2', 'A3']);
    expect((await states(event, hall)).sold).toEqual(['A2', 'A3']);
    // The confirmation mail names them.
    const mail = await app.mail(alice.email, subjectPattern(BOOKING_CONFIRMED_SUBJECT));
    expect(mail.text).toContain(`Booking: ${late.id}`);
    expect(mail.text).toContain('Your seats: Section main, Row A: 2, 3');

    // Another expires, and its seats are sold meanwhile: the late payment is refused.
    const lost = await alice.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: typeId, quantity: 1, seatIds: hall.ids('A4') }],
    });
    await expire(lost.id);
    await bob.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: typeId, quantity: 1, seatIds: hall.ids('A4') }],
    });
    const refused = await expectAppCode(payFor(organizer.client, lost), 'SEAT_UNAVAILABLE');
    expect(refused.details).toEqual({ seatIds: hall.ids('A4') });
    expect(await liveAllocations(event.id)).toHaveLength(3);
  });
});
