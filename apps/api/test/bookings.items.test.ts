import type { Booking, BookingItem, EventInput } from '@evently/contracts';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { payFor } from './payments.js';

// A booking answers its lines (ticket type, quantity, prices) and the voucher code it was booked
// with, in every procedure that answers bookings.
describe('booking items', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let alice: SignedUp;

  beforeAll(async () => {
    app = await startTestApp();
    [organizer, alice] = await Promise.all([app.signUp({ role: 'organizer' }), app.signUp()]);
  });
  afterAll(async () => app?.close());

  const db = () => app.db.handle.db;

  /** A published event and the id of its only ticket type. */
  async function publishedEvent(overrides: Partial<EventInput>) {
    const event = await organizer.client.events.create.mutate(
      eventInput({ capacity: 20, maxPerBooking: 4, ...overrides }),
    );
    await organizer.client.events.publish.mutate({ id: event.id });
    const type = await db()
      .selectFrom('ticket_types')
      .select('id')
      .where('event_id', '=', event.id)
      .executeTakeFirstOrThrow();
    return { eventId: event.id, ticketTypeId: type.id };
  }

  /** The booking as `bookings.get`, `bookings.mine` and `bookings.listForEvent` answer it. */
  async function everyRead(booking: Booking) {
    const mine = await alice.client.bookings.mine.query({ limit: 100 });
    const ofEvent = await organizer.client.bookings.listForEvent.query({
      eventId: booking.eventId,
      limit: 100,
    });
    return [
      await alice.client.bookings.get.query({ bookingId: booking.id }),
      await organizer.client.bookings.get.query({ bookingId: booking.id }),
      mine.items.find((b) => b.id === booking.id),
      ofEvent.items.find((b) => b.id === booking.id),
    ];
  }

  /** What every answer of `booking` says of its lines. */
  async function expectLines(
    booking: Booking,
    lines: { items: BookingItem[]; voucherCode: string | null },
  ) {
    expect({ items: booking.items, voucherCode: booking.voucherCode }).toEqual(lines);
    for (const read of await everyRead(booking)) {
      expect(read).toEqual({ ...booking, ...lines });
    }
  }

  it('answers the line of a paid booking, held, confirmed and cancelled, with no voucher', async () => {
    const { eventId, ticketTypeId } = await publishedEvent({ priceCents: 1500 });
    const line: BookingItem = {
      ticketTypeId,
      name: 'General admission',
      quantity: 3,
      unitPriceCents: 1500,
      discountCents: 0,
      totalCents: 4500,
    };
    const held = await alice.client.bookings.create.mutate({ eventId, quantity: 3 });
    expect(held).toMatchObject({ status: 'pending', quantity: 3, totalCents: 4500 });
    await expectLines(held, { items: [line], voucherCode: null });

    // Confirmed by its payment, which its organizer marks.
    const confirmed = await payFor(organizer.client, held);
    expect(confirmed.status).toBe('confirmed');
    await expectLines(confirmed, { items: [line], voucherCode: null });

    const cancelled = await alice.client.bookings.cancel.mutate({ bookingId: held.id });
    expect(cancelled.status).toBe('cancelled');
    await expectLines(cancelled, { items: [line], voucherCode: null });
  });

  it('answers the line of a free booking, confirmed at once and cancelled', async () => {
    const { eventId, ticketTypeId } = await publishedEvent({ priceCents: 0 });
    const line: BookingItem = {
      ticketTypeId,
      name: 'General admission',
      quantity: 2,
      unitPriceCents: 0,
      discountCents: 0,
      totalCents: 0,
    };
    const booking = await alice.client.bookings.create.mutate({ eventId, quantity: 2 });
    expect(booking).toMatchObject({ status: 'confirmed', quantity: 2, totalCents: 0 });
    await expectLines(booking, { items: [line], voucherCode: null });
    // Confirming a confirmed booking answers it as it is.
    expect(await alice.client.bookings.confirm.mutate({ bookingId: booking.id })).toEqual(booking);

    const cancelled = await alice.client.bookings.cancel.mutate({ bookingId: booking.id });
    expect(cancelled.status).toBe('cancelled');
    await expectLines(cancelled, { items: [line], voucherCode: null });
  });

  it('answers several lines in position order and the voucher code', async () => {
    const { eventId, ticketTypeId } = await publishedEvent({ priceCents: 1500 });
    const booking = await alice.client.bookings.create.mutate({ eventId, quantity: 3 });
    const other = await alice.client.bookings.create.mutate({ eventId, quantity: 1 });

    // Written as an order of two types with a voucher would be (quantity 3, total 4500): a VIP
    // line first, then the General admission one.
    const vip = await db()
      .insertInto('ticket_types')
      .values({
        event_id: eventId,
        name: 'VIP',
        price_cents: 2000,
        position: 1,
        sales_start_at: null,
        sales_end_at: null,
        updated_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sql`UPDATE booking_items SET position = 1, quantity = 2, total_cents = 3000
      WHERE booking_id = ${booking.id}`.execute(db());
    await db()
      .insertInto('booking_items')
      .values({
        booking_id: booking.id,
        ticket_type_id: vip.id,
        position: 0,
        quantity: 1,
        unit_price_cents: 2000,
        discount_cents: 500,
        total_cents: 1500,
      })
      .execute();
    const voucher = await db()
      .insertInto('vouchers')
      .values({
        event_id: eventId,
        code: 'early-bird',
        effect_kind: 'amount',
        effect_value: 500,
        used: 1,
        seats: 1,
        valid_from: null,
        valid_until: null,
        disabled_at: null,
        updated_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db()
      .insertInto('voucher_redemptions')
      .values({ booking_id: booking.id, voucher_id: voucher.id, seats: 1, redeemed_at: new Date() })
      .execute();

    const general: BookingItem = {
      ticketTypeId,
      name: 'General admission',
      quantity: 2,
      unitPriceCents: 1500,
      discountCents: 0,
      totalCents: 3000,
    };
    const lines = {
      items: [
        {
          ticketTypeId: vip.id,
          name: 'VIP',
          quantity: 1,
          unitPriceCents: 2000,
          discountCents: 500,
          totalCents: 1500,
        },
        general,
      ],
      voucherCode: 'early-bird',
    };
    const read = await alice.client.bookings.get.query({ bookingId: booking.id });
    expect(read).toMatchObject({ quantity: 3, totalCents: 4500 });
    await expectLines(read, lines);
    // The other booking of the event, read in the same pages, keeps its own line.
    await expectLines(other, {
      items: [{ ...general, quantity: 1, totalCents: 1500 }],
      voucherCode: null,
    });

    const confirmed = await payFor(organizer.client, read);
    expect(confirmed.status).toBe('confirmed');
    await expectLines(confirmed, lines);
    // Cancelled, it was still booked with the code.
    const cancelled = await alice.client.bookings.cancel.mutate({ bookingId: booking.id });
    await expectLines(cancelled, lines);
  });
});
