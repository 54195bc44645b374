import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode, failure } from './app-error.js';
import { expectCountersMatchBookings } from './booking-ledger.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { payFor } from './payments.js';

// Orders of several ticket types through bookings.create over the SDK: lines priced and
// discounted per item, every quota of every item and the voucher taken all or nothing, and given
// back when the booking ends. (Types, quotas and vouchers are written here with SQL: their
// procedures come next.)

describe('bookings: orders of ticket types with quotas and a voucher', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let buyer: SignedUp;
  let eventId: string;
  const types = { ga: '', early: '', vip: '', secret: '' };
  const quotas = { standing: randomUUID(), early: randomUUID() };

  beforeAll(async () => {
    app = await startTestApp();
    [organizer, buyer] = await Promise.all([app.signUp({ role: 'organizer' }), app.signUp()]);
    const event = await organizer.client.events.create.mutate(
      eventInput({ capacity: 20, priceCents: 3_000, maxPerBooking: 6 }),
    );
    eventId = event.id;
    await organizer.client.events.publish.mutate({ id: eventId });
    const db = app.db.handle.db;
    types.ga = (
      await db
        .selectFrom('ticket_types')
        .select('id')
        .where('event_id', '=', eventId)
        .executeTakeFirstOrThrow()
    ).id;
    const added = await db
      .insertInto('ticket_types')
      .values([
        {
          event_id: eventId,
          name: 'Early bird',
          price_cents: 1_999,
          position: 1,
          updated_at: new Date(),
        },
        { event_id: eventId, name: 'VIP', price_cents: 9_000, position: 2, updated_at: new Date() },
        {
          event_id: eventId,
          name: 'Crew',
          price_cents: 500,
          position: 3,
          hidden: true,
          updated_at: new Date(),
        },
      ])
      .returning('id')
      .execute();
    [types.early = '', types.vip = '', types.secret = ''] = added.map((r) => r.id);
    // At most 4 standing (general admission and early birds), of which at most 2 early birds.
    await db
      .insertInto('quotas')
      .values([
        {
          id: quotas.standing,
          event_id: eventId,
          name: 'Standing',
          size: 4,
          updated_at: new Date(),
        },
        { id: quotas.early, event_id: eventId, name: 'Early', size: 2, updated_at: new Date() },
      ])
      .execute();
    await db
      .insertInto('quota_ticket_types')
      .values([
        { quota_id: quotas.standing, ticket_type_id: types.ga },
        { quota_id: quotas.standing, ticket_type_id: types.early },
        { quota_id: quotas.early, ticket_type_id: types.early },
      ])
      .execute();
    const [save] = await db
      .insertInto('vouchers')
      .values({
        event_id: eventId,
        code: 'save10',
        effect_kind: 'percent',
        effect_value: 10,
        max_uses: 1,
        updated_at: new Date(),
      })
      .returning('id')
      .execute();
    await db
      .insertInto('voucher_ticket_types')
      .values({ voucher_id: save?.id ?? '', ticket_type_id: types.vip })
      .execute();
    await db
      .insertInto('vouchers')
      .values({
        event_id: eventId,
        code: 'crew',
        effect_kind: 'none',
        unlocks_hidden: true,
        max_uses: 5,
        updated_at: new Date(),
      })
      .execute();
  });
  afterAll(async () => app?.close());

  const counts = async () => {
    const rows = await app.db.handle.db
      .selectFrom('quotas')
      .select(['id', 'confirmed', 'held'])
      .where('event_id', '=', eventId)
      .execute();
    const of = (id: string) => rows.find((r) => r.id === id);
    const voucher = await app.db.handle.db
      .selectFrom('vouchers')
      .select(['used', 'seats'])
      .where('code', '=', 'save10')
      .executeTakeFirstOrThrow();
    return { standing: of(quotas.standing), early: of(quotas.early), voucher };
  };

  it('prices an order per line, discounts only the lines its voucher applies to, and takes every quota', async () => {
    const booking = await buyer.client.bookings.create.mutate({
      eventId,
      items: [
        { ticketTypeId: types.early, quantity: 2 },
        { ticketTypeId: types.vip, quantity: 1 },
      ],
      voucherCode: 'SAVE10',
    });
    expect(booking).toMatchObject({
      status: 'pending',
      quantity: 3,
      totalCents: 2 * 1_999 + 9_000 - 900,
      voucherCode: 'save10',
      items: [
        {
          ticketTypeId: types.early,
          name: 'Early bird',
          quantity: 2,
          unitPriceCents: 1_999,
          discountCents: 0,
          totalCents: 3_998,
        },
        {
          ticketTypeId: types.vip,
          name: 'VIP',
          quantity: 1,
          unitPriceCents: 9_000,
          discountCents: 900,
          totalCents: 8_100,
        },
      ],
    });
    // Answered from what the batch wrote: exactly what reading it back gives.
    expect(await buyer.client.bookings.get.query({ bookingId: booking.id })).toEqual(booking);
    expect(await counts()).toEqual({
      standing: { id: quotas.standing, confirmed: 0, held: 2 },
      early: { id: quotas.early, confirmed: 0, held: 2 },
      voucher: { used: 1, seats: 3 },
    });
    // Confirming (by its payment: the discounted total) moves the quotas' seats from held to
    // confirmed.
    await payFor(organizer.client, booking);
    expect(await counts()).toMatchObject({
      standing: { confirmed: 2, held: 0 },
      early: { confirmed: 2, held: 0 },
    });
  });

  it('refuses an order whole when one line does not fit, a used-up voucher, an unknown one, and hidden types without theirs', async () => {
    const before = await counts();
    // Early birds are gone (2 of 2); the general admission line alone would fit.
    const soldOut = await failure(
      buyer.client.bookings.create.mutate({
        eventId,
        items: [
          { ticketTypeId: types.ga, quantity: 1 },
          { ticketTypeId: types.early, quantity: 1 },
        ],
      }),
    );
    expect(soldOut).toMatchObject({
      appCode: 'SOLD_OUT',
      details: { ticketTypeId: types.early, available: 0 },
    });
    await expectAppCode(
      buyer.client.bookings.create.mutate({
        eventId,
        items: [{ ticketTypeId: types.vip, quantity: 1 }],
        voucherCode: 'save10',
      }),
      'VOUCHER_EXHAUSTED',
    );
    await expectAppCode(
      buyer.client.bookings.create.mutate({
        eventId,
        items: [{ ticketTypeId: types.vip, quantity: 1 }],
        voucherCode: 'nope-123',
      }),
      'VOUCHER_INVALID',
    );
    await expectAppCode(
      buyer.client.bookings.create.mutate({
        eventId,
        items: [{ ticketTypeId: types.secret, quantity: 1 }],
      }),
      'TICKET_TYPE_NOT_AVAILABLE',
    );
    // Part 1's bare quantity cannot choose among several types.
    await expectAppCode(
      buyer.client.bookings.create.mutate({ eventId, quantity: 1 }),
      'VALIDATION_FAILED',
    );
    await expectAppCode(
      buyer.client.bookings.create.mutate({
        eventId,
        quantity: 1,
        items: [{ ticketTypeId: types.ga, quantity: 1 }],
      }),
      'VALIDATION_FAILED',
    );
    expect(await counts()).toEqual(before);
    // The hidden type with its access code.
    const crew = await buyer.client.bookings.create.mutate({
      eventId,
      items: [{ ticketTypeId: types.secret, quantity: 1 }],
      voucherCode: 'Crew',
    });
    expect(crew).toMatchObject({ voucherCode: 'crew', totalCents: 500 });
  });

  it('gives the quotas and the voucher use back when a booking ends', async () => {
    const booking = await buyer.client.bookings.create.mutate({
      eventId,
      items: [{ ticketTypeId: types.ga, quantity: 2 }],
    });
    expect((await counts()).standing).toMatchObject({ confirmed: 2, held: 2 });
    await buyer.client.bookings.cancel.mutate({ bookingId: booking.id });
    expect((await counts()).standing).toMatchObject({ confirmed: 2, held: 0 });

    const [first] = await buyer.client.bookings.mine
      .query({ limit: 50 })
      .then((p) => p.items.filter((b) => b.voucherCode === 'save10'));
    if (!first) throw new Error('the voucher booking');
    await buyer.client.bookings.cancel.mutate({ bookingId: first.id });
    expect(await counts()).toEqual({
      standing: { id: quotas.standing, confirmed: 0, held: 0 },
      early: { id: quotas.early, confirmed: 0, held: 0 },
      voucher: { used: 0, seats: 0 },
    });
    const { released } = await sql<{ released: number }>`SELECT count(*)::int AS released
      FROM voucher_redemptions WHERE booking_id = ${first.id} AND released_at IS NOT NULL`
      .execute(app.db.handle.db)
      .then((r) => r.rows[0] ?? { released: 0 });
    expect(released).toBe(1);
    // The use is back: the voucher serves again.
    const again = await buyer.client.bookings.create.mutate({
      eventId,
      items: [{ ticketTypeId: types.vip, quantity: 1 }],
      voucherCode: 'save10',
    });
    expect(again.totalCents).toBe(8_100);
    await expectCountersMatchBookings(app.db.handle.db);
  });
});
