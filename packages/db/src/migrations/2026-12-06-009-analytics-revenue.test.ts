import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';

const THIS = '2026-12-06-009-analytics-revenue';
const ALL = '00000000-0000-0000-0000-000000000000';

/** How far the analytics consumer got with an outbox event. */
type Delivery = 'processed' | 'unprocessed' | 'delivered';

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);
  const organizer = randomUUID();
  const buyer = randomUUID();
  const org = randomUUID();
  const eventId = randomUUID();
  const ga = randomUUID();
  const vip = randomUUID();
  const b = {
    /** Two GA and a VIP (6,000 + 9,000), paid, then 1,001 given back. */
    mixed: randomUUID(),
    /** A VIP paid; the consumer has not seen the payment yet. */
    paidLate: randomUUID(),
    /** A GA paid, cancelled, refunded less a fee of 300. */
    refunded: randomUUID(),
    /** A GA held; projected. */
    held: randomUUID(),
    /** A VIP held; the consumer has not seen it yet. */
    heldLate: randomUUID(),
    /** A GA confirmed before payments existed: no money recorded. */
    old: randomUUID(),
  };

  async function outbox(topic: string, delivery: Delivery, payload: Record<string, unknown>) {
    const db = migration.db();
    const id = randomUUID();
    await sql`INSERT INTO outbox (id, topic, version, aggregate_id, payload, relayed_at,
        delivered_at)
      VALUES (${id}, ${topic}, 1, ${eventId}, ${JSON.stringify(payload)}::jsonb, now(),
        ${delivery === 'delivered' ? sql`now()` : sql`NULL`})`.execute(db);
    if (delivery === 'processed') {
      await sql`INSERT INTO processed_events (consumer, event_id)
        VALUES ('analytics', ${id})`.execute(db);
    }
  }

  async function booking(
    id: string,
    status: string,
    lines: Array<[type: string, quantity: number, unit: number]>,
  ) {
    const db = migration.db();
    const total = lines.reduce((n, [, q, u]) => n + q * u, 0);
    const quantity = lines.reduce((n, [, q]) => n + q, 0);
    await sql`INSERT INTO bookings (id, event_id, user_id, quantity, status, unit_price_cents,
        total_cents, currency, expires_at, updated_at)
      VALUES (${id}, ${eventId}, ${buyer}, ${quantity}, ${status}, ${lines[0]?.[2] ?? 0},
        ${total}, 'EUR', now() + interval '10 minutes', now())`.execute(db);
    for (const [position, [type, q, unit]] of lines.entries()) {
      await sql`INSERT INTO booking_items (booking_id, ticket_type_id, position, quantity,
          unit_price_cents, total_cents)
        VALUES (${id}, ${type}, ${position}, ${q}, ${unit}, ${q * unit})`.execute(db);
    }
    return total;
  }

  async function payment(bookingId: string, amount: number, at: string, delivery: Delivery) {
    const id = randomUUID();
    await sql`INSERT INTO payments (id, booking_id, event_id, user_id, provider, method, amount_cents,
        currency, reference, at)
      VALUES (${id}, ${bookingId}, ${eventId}, ${buyer}, 'manual', 'cash', ${amount}, 'EUR', 'r',
        ${at})`.execute(migration.db());
    await outbox('payment.received', delivery, { paymentId: id, bookingId, eventId });
    return id;
  }

  async function refund(bookingId: string, paymentId: string, amount: number, at: string) {
    const id = randomUUID();
    await sql`INSERT INTO refunds (id, booking_id, payment_id, event_id, provider, amount_cents,
        currency, reason, requested_at)
      VALUES (${id}, ${bookingId}, ${paymentId}, ${eventId}, 'manual', ${amount}, 'EUR', 'x',
        ${at})`.execute(migration.db());
    await outbox('refund.requested', 'delivered', { refundId: id, bookingId, eventId });
  }

  it('recomputes revenue from payments less refunds, and the money held, as projected', async () => {
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
    await sql`INSERT INTO ticket_types (id, event_id, name, price_cents, position)
      VALUES (${ga}, ${eventId}, 'General admission', 3000, 0),
        (${vip}, ${eventId}, 'VIP', 9000, 1)`.execute(db);

    await booking(b.mixed, 'confirmed', [
      [ga, 2, 3_000],
      [vip, 1, 9_000],
    ]);
    const mixed = await payment(b.mixed, 15_000, '2026-12-01T10:15:00Z', 'delivered');
    await refund(b.mixed, mixed, 1_001, '2026-12-02T08:00:00Z');
    await booking(b.paidLate, 'confirmed', [[vip, 1, 9_000]]);
    await payment(b.paidLate, 9_000, '2026-12-01T11:00:00Z', 'unprocessed');
    await booking(b.refunded, 'cancelled', [[ga, 1, 3_000]]);
    const refunded = await payment(b.refunded, 3_000, '2026-12-01T10:40:00Z', 'delivered');
    await refund(b.refunded, refunded, 2_700, '2026-12-01T12:00:00Z');
    const held = await booking(b.held, 'pending', [[ga, 1, 3_000]]);
    await outbox('booking.created', 'processed', { bookingId: b.held, eventId, totalCents: held });
    const late = await booking(b.heldLate, 'pending', [[vip, 1, 9_000]]);
    await outbox('booking.created', 'unprocessed', {
      bookingId: b.heldLate,
      eventId,
      totalCents: late,
    });
    await booking(b.old, 'confirmed', [[ga, 1, 3_000]]);

    // The read models as the older projection left them: revenue from confirmed totals.
    await sql`INSERT INTO analytics_event_stats (event_id, organization_id, title, status,
        capacity, starts_at, event_version, confirmed_bookings, tickets_sold, revenue_cents,
        live_seq)
      VALUES (${eventId}, ${org}, 'Show', 'published', 100, '2027-01-10T18:00:00Z', 1, 3, 5,
        30000, 7)`.execute(db);
    await sql`INSERT INTO analytics_ticket_type_stats (event_id, ticket_type_id, tickets_sold,
        tickets_held, revenue_cents)
      VALUES (${eventId}, ${ga}, 3, 1, 9000), (${eventId}, ${vip}, 1, 0, 9000)`.execute(db);
    await sql`INSERT INTO analytics_series (granularity, scope_kind, scope_id, bucket, bookings,
        revenue_cents)
      VALUES ('day', 'event', ${eventId}, '2026-12-01T00:00:00Z', 3, 30000),
        ('day', 'all', ${ALL}, '2026-11-30T00:00:00Z', 1, 500)`.execute(db);
    const hours = (at: Record<number, number>) => Array.from({ length: 24 }, (_, h) => at[h] ?? 0);
    await sql`INSERT INTO analytics_hours (scope_kind, scope_id, day, bookings, tickets,
        cancellations, revenue_cents, new_users, verified_users)
      VALUES ('event', ${eventId}, '2026-12-01T00:00:00Z', ${hours({ 9: 3 })}::int[],
        ${hours({})}::int[], ${hours({})}::int[], ${hours({ 9: 30_000 })}::bigint[],
        ${hours({})}::int[], ${hours({})}::int[])`.execute(db);
    await sql`UPDATE analytics_live_cursor SET seq = 7`.execute(db);
    await sql`INSERT INTO analytics_live_updates (seq, event_id, organization_id, stats)
      VALUES (7, ${eventId}, ${org}, '{"revenueCents": 30000}')`.execute(db);

    expect((await migration.up()).error).toBeUndefined();

    // 15,000 − 1,001 + 3,000 − 2,700 (the late payment comes with its event; the old booking
    // has no money); held: the projected hold only.
    const stats = await sql<Record<string, string>>`
      SELECT revenue_cents, refunded_cents, pending_payment_cents, tickets_sold, live_seq
      FROM analytics_event_stats`.execute(db);
    expect(stats.rows).toEqual([
      {
        revenue_cents: '14299',
        refunded_cents: '3701',
        pending_payment_cents: '3000',
        tickets_sold: 5,
        live_seq: '8',
      },
    ]);
    // The refund of 1,001 split 6,000 : 9,000 — 400 and 601; the types add up to the event.
    const types = await sql<{ ticket_type_id: string; revenue_cents: string }>`
      SELECT ticket_type_id, revenue_cents, tickets_sold FROM analytics_ticket_type_stats
      ORDER BY revenue_cents`.execute(db);
    expect(types.rows).toEqual([
      { ticket_type_id: ga, revenue_cents: String(6_000 - 400 + 3_000 - 2_700), tickets_sold: 3 },
      { ticket_type_id: vip, revenue_cents: String(9_000 - 601), tickets_sold: 1 },
    ]);
    // Days: money at its instants, in every scope; old revenue gone, other counts kept.
    const days = await sql`SELECT scope_kind, to_char(bucket AT TIME ZONE 'UTC', 'MM-DD') AS day,
        bookings, revenue_cents
      FROM analytics_series ORDER BY scope_kind, bucket`.execute(db);
    expect(days.rows).toEqual([
      { scope_kind: 'all', day: '11-30', bookings: 1, revenue_cents: '0' },
      { scope_kind: 'all', day: '12-01', bookings: 0, revenue_cents: '15300' },
      { scope_kind: 'all', day: '12-02', bookings: 0, revenue_cents: '-1001' },
      { scope_kind: 'event', day: '12-01', bookings: 3, revenue_cents: '15300' },
      { scope_kind: 'event', day: '12-02', bookings: 0, revenue_cents: '-1001' },
      { scope_kind: 'organization', day: '12-01', bookings: 0, revenue_cents: '15300' },
      { scope_kind: 'organization', day: '12-02', bookings: 0, revenue_cents: '-1001' },
    ]);
    const eventHours = await sql<{ bookings: number[]; revenue_cents: string[] }>`
      SELECT bookings, revenue_cents FROM analytics_hours
      WHERE scope_kind = 'event' AND day = '2026-12-01T00:00:00Z'`.execute(db);
    expect(eventHours.rows[0]?.bookings).toEqual(hours({ 9: 3 }));
    expect(eventHours.rows[0]?.revenue_cents.map(Number)).toEqual(
      hours({ 10: 18_000, 12: -2_700 }),
    );
    // The log is pruned through the changed event's new number.
    const cursor = await sql`SELECT seq, pruned_through FROM analytics_live_cursor`.execute(db);
    expect(cursor.rows).toEqual([{ seq: '8', pruned_through: '8' }]);
    const log = await sql`SELECT count(*)::int AS n FROM analytics_live_updates`.execute(db);
    expect(log.rows).toEqual([{ n: 0 }]);
  });

  it('goes down and up again', async () => {
    const db = migration.db();
    const columns = () =>
      sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns
        WHERE table_name = 'analytics_event_stats'
          AND column_name IN ('refunded_cents', 'pending_payment_cents')
        ORDER BY column_name`.execute(db);
    expect((await migration.down()).error).toBeUndefined();
    expect((await columns()).rows).toEqual([]);
    expect((await migration.up()).error).toBeUndefined();
    expect((await columns()).rows.map((r) => r.column_name)).toEqual([
      'pending_payment_cents',
      'refunded_cents',
    ]);
    // Figures as before: recomputing is idempotent.
    const stats = await sql`SELECT revenue_cents, pending_payment_cents
      FROM analytics_event_stats`.execute(db);
    expect(stats.rows).toEqual([{ revenue_cents: '14299', pending_payment_cents: '3000' }]);
  });
});
