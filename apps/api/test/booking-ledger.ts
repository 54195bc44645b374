import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';

/**
 * Every booking's audit rows and outbox events are exactly those of its life, one each: `create`
 * and `booking.created`; `booking.confirmed` when confirmed (plus a `confirm` audit row when a
 * hold was confirmed later); `cancel` and `booking.cancelled` when cancelled. Nothing exists
 * without its booking. Over the whole database.
 */
export async function expectAuditAndOutboxMatchBookings(db: Kysely<Database>): Promise<void> {
  const bookings = await db
    .selectFrom('bookings')
    .select(['id', 'status', 'unit_price_cents'])
    .execute();
  const lives = (entries: { id: string | null; what: string }[]) => {
    const byId = new Map<string, string[]>();
    for (const { id, what } of entries) byId.set(id ?? '', [...(byId.get(id ?? '') ?? []), what]);
    return Object.fromEntries([...byId].map(([id, whats]) => [id, whats.sort()]));
  };
  const expected = bookings.map((b) => {
    const held = Number(b.unit_price_cents) > 0;
    const confirmed = b.status === 'confirmed';
    const cancelled = b.status === 'cancelled';
    return {
      id: b.id,
      audits: [
        'create',
        ...(confirmed && held ? ['confirm'] : []),
        ...(cancelled ? ['cancel'] : []),
      ],
      events: [
        'booking.created',
        ...(confirmed ? ['booking.confirmed'] : []),
        ...(cancelled ? ['booking.cancelled'] : []),
      ],
    };
  });
  const audits = await db
    .selectFrom('audit_log')
    .select(['entity_id', 'action'])
    .where('entity', '=', 'booking')
    .execute();
  const events = await db
    .selectFrom('outbox')
    .select(['aggregate_id', 'topic'])
    .where('topic', 'like', 'booking.%')
    .execute();
  expect(lives(audits.map((a) => ({ id: a.entity_id, what: a.action })))).toEqual(
    lives(expected.flatMap((e) => e.audits.map((what) => ({ id: e.id, what })))),
  );
  expect(lives(events.map((e) => ({ id: e.aggregate_id, what: e.topic })))).toEqual(
    lives(expected.flatMap((e) => e.events.map((what) => ({ id: e.id, what })))),
  );
  await expectOneItemPerBooking(db);
}

/**
 * Every booking is exactly one line of its event's General admission type: its seats, at its
 * unit price, for its total.
 */
export async function expectOneItemPerBooking(db: Kysely<Database>): Promise<void> {
  const mismatched = await db
    .selectFrom('bookings as b')
    .leftJoin('booking_items as i', 'i.booking_id', 'b.id')
    .leftJoin('ticket_types as t', 't.id', 'i.ticket_type_id')
    .select(['b.id', 'b.quantity', 'i.quantity as itemQuantity', 't.name', 't.event_id'])
    .where((eb) =>
      eb.or([
        eb('i.id', 'is', null),
        eb('i.quantity', '!=', eb.ref('b.quantity')),
        eb('i.unit_price_cents', '!=', eb.ref('b.unit_price_cents')),
        eb('i.total_cents', '!=', eb.ref('b.total_cents')),
        eb('t.event_id', '!=', eb.ref('b.event_id')),
        eb('t.name', '!=', 'General admission'),
      ]),
    )
    .execute();
  expect(mismatched).toEqual([]);
  const { lines, bookings } = await db
    .selectFrom('booking_items')
    .select((eb) => [
      eb.fn.countAll<string>().as('lines'),
      eb.selectFrom('bookings').select(eb.fn.countAll<string>().as('n')).as('bookings'),
    ])
    .executeTakeFirstOrThrow();
  expect(Number(lines)).toBe(Number(bookings));
}
