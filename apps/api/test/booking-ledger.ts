import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';
import { expect } from 'vitest';

/**
 * Every booking's audit rows and outbox events are exactly those of its life, one each: `create`
 * and `booking.created`; `booking.confirmed` when confirmed (plus, when a hold to pay was
 * confirmed later, a `confirm-paid` audit row when a payment confirmed it, `confirm-unpaid` when
 * a manager did without one); `cancel` and `booking.cancelled` when cancelled. Nothing exists
 * without its booking. Over the whole database.
 */
export async function expectAuditAndOutboxMatchBookings(db: Kysely<Database>): Promise<void> {
  const bookings = await db
    .selectFrom('bookings')
    .select(['id', 'status', 'total_cents'])
    .execute();
  const paid = new Set(
    (await db.selectFrom('payments').select('booking_id').distinct().execute()).map(
      (p) => p.booking_id,
    ),
  );
  const lives = (entries: { id: string | null; what: string }[]) => {
    const byId = new Map<string, string[]>();
    for (const { id, what } of entries) byId.set(id ?? '', [...(byId.get(id ?? '') ?? []), what]);
    return Object.fromEntries([...byId].map(([id, whats]) => [id, whats.sort()]));
  };
  const expected = bookings.map((b) => {
    // A booking to pay is held first; a free one confirms at once.
    const held = Number(b.total_cents) > 0;
    const confirmed = b.status === 'confirmed';
    const cancelled = b.status === 'cancelled';
    return {
      id: b.id,
      audits: [
        'create',
        ...(confirmed && held ? [paid.has(b.id) ? 'confirm-paid' : 'confirm-unpaid'] : []),
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
  await expectLinesMatchBookings(db);
}

/** Every booking has lines, and they add up to it: its seats and its total. */
export async function expectLinesMatchBookings(db: Kysely<Database>): Promise<void> {
  const { rows } = await sql<{ id: string }>`
    SELECT b.id FROM bookings b LEFT JOIN booking_items i ON i.booking_id = b.id
    GROUP BY b.id, b.quantity, b.total_cents
    HAVING count(i.id) = 0 OR sum(i.quantity) <> b.quantity OR sum(i.total_cents) <> b.total_cents`.execute(
    db,
  );
  expect(rows).toEqual([]);
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

/**
 * Every counter equals what the live bookings hold: each quota's confirmed and held seats are
 * the lines of confirmed and pending bookings whose type is in it; each voucher's uses and seats
 * are its unreleased redemptions; each event's inventory counts its live bookings.
 */
export async function expectCountersMatchBookings(db: Kysely<Database>): Promise<void> {
  const { rows: quotas } = await sql<{ id: string; counted: string; held: string }>`
    SELECT q.id, q.confirmed || '/' || q.held AS counted,
      coalesce(sum(i.quantity) FILTER (WHERE b.status = 'confirmed'), 0) || '/' ||
      coalesce(sum(i.quantity) FILTER (WHERE b.status = 'pending'), 0) AS held
    FROM quotas q
    LEFT JOIN quota_ticket_types qt ON qt.quota_id = q.id
    LEFT JOIN booking_items i ON i.ticket_type_id = qt.ticket_type_id
    LEFT JOIN bookings b ON b.id = i.booking_id
    GROUP BY q.id`.execute(db);
  expect(quotas.filter((q) => q.counted !== q.held)).toEqual([]);
  const { rows: vouchers } = await sql<{ id: string; counted: string; held: string }>`
    SELECT v.id, v.used || '/' || v.seats AS counted,
      count(r.booking_id) || '/' || coalesce(sum(r.seats), 0) AS held
    FROM vouchers v
    LEFT JOIN voucher_redemptions r ON r.voucher_id = v.id AND r.released_at IS NULL
    GROUP BY v.id`.execute(db);
  expect(vouchers.filter((v) => v.counted !== v.held)).toEqual([]);
  const { rows: events } = await sql<{ id: string; counted: string; held: string }>`
    SELECT n.event_id AS id, n.confirmed || '/' || n.held AS counted,
      coalesce(sum(b.quantity) FILTER (WHERE b.status = 'confirmed'), 0) || '/' ||
      coalesce(sum(b.quantity) FILTER (WHERE b.status = 'pending'), 0) AS held
    FROM event_inventory n LEFT JOIN bookings b ON b.event_id = n.event_id
    GROUP BY n.event_id`.execute(db);
  expect(events.filter((e) => e.counted !== e.held)).toEqual([]);
}
