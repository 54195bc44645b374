import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';

const THIS = '2026-12-06-007-analytics-by-type';

type Status = 'pending' | 'confirmed' | 'cancelled' | 'expired';
/** How far the analytics consumer got with an outbox event. */
type Delivery = 'processed' | 'unprocessed' | 'covered' | 'delivered';

interface Booking {
  id: string;
  status: Status;
  type: 'ga' | 'vip';
  quantity: number;
  unit: number;
  discount: number;
  voucher: boolean;
  /** Its events as the outbox holds them, and how far the consumer got with each. */
  events: Array<[topic: string, delivery: Delivery, previousStatus?: Status]>;
}

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);
  const organizer = randomUUID();
  const buyer = randomUUID();
  const org = randomUUID();
  const eventId = randomUUID();
  const types = { ga: randomUUID(), vip: randomUUID() };
  const voucherId = randomUUID();
  const booking = (b: Omit<Booking, 'id'>): Booking => ({ id: randomUUID(), ...b });
  const bookings = [
    // Confirmed with the voucher, fully projected.
    booking({
      status: 'confirmed',
      type: 'ga',
      quantity: 2,
      unit: 3_000,
      discount: 600,
      voucher: true,
      events: [
        ['booking.created', 'processed'],
        ['booking.confirmed', 'processed'],
      ],
    }),
    // Confirmed, but the consumer has seen only its hold so far.
    booking({
      status: 'confirmed',
      type: 'vip',
      quantity: 1,
      unit: 9_000,
      discount: 0,
      voucher: false,
      events: [
        ['booking.created', 'processed'],
        ['booking.confirmed', 'unprocessed'],
      ],
    }),
    // Held with the voucher; the consumer has not seen it at all.
    booking({
      status: 'pending',
      type: 'ga',
      quantity: 1,
      unit: 3_000,
      discount: 300,
      voucher: true,
      events: [['booking.created', 'unprocessed']],
    }),
    // Confirmed, then cancelled: all projected.
    booking({
      status: 'cancelled',
      type: 'vip',
      quantity: 1,
      unit: 9_000,
      discount: 0,
      voucher: false,
      events: [
        ['booking.created', 'processed'],
        ['booking.confirmed', 'processed'],
        ['booking.cancelled', 'processed', 'confirmed'],
      ],
    }),
    // Confirmed with the voucher; a rebuild counted its confirmation (the consumer will skip it).
    booking({
      status: 'confirmed',
      type: 'ga',
      quantity: 1,
      unit: 3_000,
      discount: 300,
      voucher: true,
      events: [
        ['booking.created', 'processed'],
        ['booking.confirmed', 'covered'],
      ],
    }),
    // Confirmed long ago: delivered, its claims pruned since.
    booking({
      status: 'confirmed',
      type: 'ga',
      quantity: 1,
      unit: 3_000,
      discount: 0,
      voucher: false,
      events: [
        ['booking.created', 'delivered'],
        ['booking.confirmed', 'delivered'],
      ],
    }),
  ];

  it('fills the figures per type and voucher as far as the consumer has projected', async () => {
    const db = migration.db();
    await sql`INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
      VALUES (${organizer}, 'org@example.com', 'Org', 'organizer', 'x', now(), now()),
        (${buyer}, 'buyer@example.com', 'Buyer', 'user', 'x', now(), now())`.execute(db);
    await sql`INSERT INTO organizations (id, name, slug, created_by)
      VALUES (${org}, 'Org', 'org', ${organizer})`.execute(db);
    await sql`INSERT INTO events (id, organizer_id, organization_id, status, title, venue,
        starts_at, ends_at, capacity, price_cents, currency, max_per_booking, created_at,
        updated_at)
      VALUES (${eventId}, ${organizer}, ${org}, 'published', 'Show', 'Hall',
        '2027-01-10T18:00:00Z', '2027-01-10T21:00:00Z', 100, 3000, 'EUR', 4, now(),
        now())`.execute(db);
    await sql`INSERT INTO ticket_types (id, event_id, name, price_cents)
      VALUES (${types.ga}, ${eventId}, 'General admission', 3000),
        (${types.vip}, ${eventId}, 'VIP', 9000)`.execute(db);
    await sql`INSERT INTO vouchers (id, event_id, code, effect_kind, effect_value, max_uses)
      VALUES (${voucherId}, ${eventId}, 'tenoff', 'percent', 10, 10)`.execute(db);
    for (const b of bookings) {
      const total = b.unit * b.quantity - b.discount;
      await sql`INSERT INTO bookings (id, event_id, user_id, quantity, status, unit_price_cents,
          total_cents, currency, expires_at, updated_at)
        VALUES (${b.id}, ${eventId}, ${buyer}, ${b.quantity}, ${b.status}, ${b.unit}, ${total},
          'EUR', now() + interval '10 minutes', now())`.execute(db);
      await sql`INSERT INTO booking_items (booking_id, ticket_type_id, quantity, unit_price_cents,
          discount_cents, total_cents)
        VALUES (${b.id}, ${types[b.type]}, ${b.quantity}, ${b.unit}, ${b.discount},
          ${total})`.execute(db);
      if (b.voucher) {
        await sql`INSERT INTO voucher_redemptions (booking_id, voucher_id, seats, redeemed_at)
          VALUES (${b.id}, ${voucherId}, ${b.quantity}, now())`.execute(db);
      }
      for (const [topic, delivery, previousStatus] of b.events) {
        const id = randomUUID();
        const payload = JSON.stringify({ bookingId: b.id, eventId, previousStatus });
        await sql`INSERT INTO outbox (id, topic, version, aggregate_id, payload, relayed_at,
            delivered_at)
          VALUES (${id}, ${topic}, 1, ${b.id}, ${payload}::jsonb, now(),
            ${delivery === 'delivered' ? sql`now()` : sql`NULL`})`.execute(db);
        if (delivery === 'processed') {
          await sql`INSERT INTO processed_events (consumer, event_id)
            VALUES ('analytics', ${id}), ('mail', ${id})`.execute(db);
        }
        if (delivery === 'covered') {
          await sql`INSERT INTO analytics_rebuild_covered (event_id) VALUES (${id})`.execute(db);
        }
      }
    }

    expect((await migration.up()).error).toBeUndefined();

    const rows = await sql<Record<string, unknown>>`
      SELECT ticket_type_id, tickets_sold, tickets_held, revenue_cents
      FROM analytics_ticket_type_stats WHERE event_id = ${eventId}`.execute(db);
    const byType = new Map(rows.rows.map((r) => [r.ticket_type_id, r]));
    // GA: the first, the covered and the delivered confirmation (the hold not seen yet).
    expect(byType.get(types.ga)).toEqual({
      ticket_type_id: types.ga,
      tickets_sold: 2 + 1 + 1,
      tickets_held: 0,
      revenue_cents: String(5_400 + 2_700 + 3_000),
    });
    // VIP: the confirmation not seen yet is still a hold (the consumer moves it when it comes);
    // the cancelled one is back out.
    expect(byType.get(types.vip)).toEqual({
      ticket_type_id: types.vip,
      tickets_sold: 0,
      tickets_held: 1,
      revenue_cents: '0',
    });
    expect(rows.rows).toHaveLength(2);
    // The voucher: two confirmed uses counted (the hold made with it is not), with discounts.
    const vouchers = await sql`SELECT event_id, voucher_id, redemptions, discount_cents
      FROM analytics_voucher_stats`.execute(db);
    expect(vouchers.rows).toEqual([
      { event_id: eventId, voucher_id: voucherId, redemptions: 2, discount_cents: '900' },
    ]);
    const live = await sql<{ column_name: string }>`SELECT column_name
      FROM information_schema.columns WHERE table_name = 'analytics_live_updates'
        AND column_name IN ('detail', 'detail_only') ORDER BY column_name`.execute(db);
    expect(live.rows.map((r) => r.column_name)).toEqual(['detail', 'detail_only']);
  });

  it('goes down and up again', async () => {
    const db = migration.db();
    const tables = () =>
      sql<{ name: string | null }>`SELECT to_regclass('analytics_ticket_type_stats')::text AS name
        UNION ALL SELECT to_regclass('analytics_voucher_stats')::text`.execute(db);
    expect((await migration.down()).error).toBeUndefined();
    expect((await tables()).rows.map((r) => r.name)).toEqual([null, null]);
    expect((await migration.up()).error).toBeUndefined();
    expect((await tables()).rows.map((r) => r.name)).toEqual([
      'analytics_ticket_type_stats',
      'analytics_voucher_stats',
    ]);
  });
});
