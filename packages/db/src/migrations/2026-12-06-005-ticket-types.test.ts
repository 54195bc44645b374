import { randomUUID } from 'node:crypto';
import { type RawBuilder, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';

const THIS = '2026-12-06-005-ticket-types';
const TABLES = [
  'ticket_types',
  'quotas',
  'quota_ticket_types',
  'vouchers',
  'voucher_ticket_types',
  'booking_items',
  'voucher_redemptions',
] as const;

interface LegacyBooking {
  id: string;
  event: string;
  status: 'pending' | 'confirmed' | 'cancelled' | 'expired';
  quantity: number;
  unit: number;
  total: number;
  /** The item expected, when it is not the booking's own figures with no discount. */
  item?: { unit: number; discount: number; total: number };
}

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);
  const organizer = randomUUID();
  const buyer = randomUUID();
  const org = randomUUID();
  const paid = { id: randomUUID(), price: 2500, max: 4, createdAt: '2026-11-21T09:00:00.000Z' };
  const free = { id: randomUUID(), price: 0, max: 1, createdAt: '2026-11-22T10:30:00.000Z' };
  const bookings: LegacyBooking[] = [
    { id: randomUUID(), event: paid.id, status: 'confirmed', quantity: 2, unit: 2500, total: 5000 },
    { id: randomUUID(), event: paid.id, status: 'pending', quantity: 1, unit: 2500, total: 2500 },
    { id: randomUUID(), event: paid.id, status: 'cancelled', quantity: 4, unit: 2500, total: 1e4 },
    { id: randomUUID(), event: paid.id, status: 'expired', quantity: 3, unit: 2000, total: 6000 },
    { id: randomUUID(), event: free.id, status: 'confirmed', quantity: 1, unit: 0, total: 0 },
    { id: randomUUID(), event: free.id, status: 'cancelled', quantity: 1, unit: 0, total: 0 },
    // Rows no writer makes (total = unit * quantity always): the total is kept.
    // Below unit * quantity: the unit stays and the difference is a discount.
    {
      id: randomUUID(),
      event: paid.id,
      status: 'confirmed',
      quantity: 2,
      unit: 2500,
      total: 4000,
      item: { unit: 2500, discount: 1000, total: 4000 },
    },
    // Above it: the unit is the total per seat rounded up, the rounding a discount.
    {
      id: randomUUID(),
      event: paid.id,
      status: 'confirmed',
      quantity: 3,
      unit: 2500,
      total: 8000,
      item: { unit: 2667, discount: 1, total: 8000 },
    },
  ];
  const count = async (query: RawBuilder<{ n: number }>) =>
    (await query.execute(migration.db())).rows[0]?.n;
  const tablesLeft = async () =>
    (
      await sql<{ name: string | null }>`SELECT to_regclass(t)::text AS name
        FROM unnest(${sql.val([...TABLES])}::text[]) t`.execute(migration.db())
    ).rows.flatMap((r) => (r.name === null ? [] : [r.name]));

  it("gives every event a 'General admission' type and every booking an item of it", async () => {
    const db = migration.db();
    await sql`INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
      VALUES (${organizer}, 'org@example.com', 'Org', 'organizer', 'x', now(), now()),
        (${buyer}, 'buyer@example.com', 'Buyer', 'user', 'x', now(), now())`.execute(db);
    await sql`INSERT INTO organizations (id, name, slug, created_by)
      VALUES (${org}, 'Org', 'org', ${organizer})`.execute(db);
    await sql`INSERT INTO organization_members (organization_id, user_id, role)
      VALUES (${org}, ${organizer}, 'owner')`.execute(db);
    for (const e of [paid, free]) {
      await sql`INSERT INTO events (id, organizer_id, organization_id, status, title, venue,
          starts_at, ends_at, capacity, price_cents, currency, max_per_booking, created_at,
          updated_at)
        VALUES (${e.id}, ${organizer}, ${org}, 'published', 'Show', 'Hall', '2027-01-10T18:00:00Z',
          '2027-01-10T21:00:00Z', 100, ${e.price}, 'EUR', ${e.max}, ${e.createdAt}, now())`.execute(
        db,
      );
    }
    for (const b of bookings) {
      await sql`INSERT INTO bookings (id, event_id, user_id, quantity, status, unit_price_cents,
          total_cents, currency, expires_at, updated_at)
        VALUES (${b.id}, ${b.event}, ${buyer}, ${b.quantity}, ${b.status}, ${b.unit}, ${b.total},
          'EUR', now() + interval '10 minutes', now())`.execute(db);
    }

    expect((await migration.up()).error).toBeUndefined();

    const types = await db.selectFrom('ticket_types').selectAll().orderBy('created_at').execute();
    expect(types).toEqual(
      [paid, free].map((e) => ({
        id: expect.any(String),
        event_id: e.id,
        name: 'General admission',
        description: '',
        price_cents: String(e.price),
        min_per_booking: 1,
        max_per_booking: e.max,
        sales_start_at: null,
        sales_end_at: null,
        hidden: false,
        status: 'active',
        position: 0,
        version: 1,
        created_at: new Date(e.createdAt),
        updated_at: new Date(e.createdAt),
      })),
    );
    const typeOf = new Map(types.map((t) => [t.event_id, t.id]));

    const items = await db.selectFrom('booking_items').selectAll().execute();
    expect(items).toHaveLength(bookings.length);
    for (const b of bookings) {
      const item = b.item ?? { unit: b.unit, discount: 0, total: b.total };
      expect(items.filter((i) => i.booking_id === b.id)).toEqual([
        {
          id: expect.any(String),
          booking_id: b.id,
          ticket_type_id: typeOf.get(b.event),
          position: 0,
          quantity: b.quantity,
          unit_price_cents: String(item.unit),
          discount_cents: String(item.discount),
          total_cents: String(item.total),
        },
      ]);
    }
  });

  it('refuses an oversold quota, an over-redeemed voucher and inconsistent rows', async () => {
    const db = migration.db();
    const refuses = (query: RawBuilder<unknown>, constraint: string) =>
      expect(query.execute(db)).rejects.toThrow(new RegExp(`constraint "${constraint}"`));
    const quota = (size: number, confirmed: number, held: number) =>
      sql`INSERT INTO quotas (event_id, name, size, confirmed, held)
        VALUES (${paid.id}, 'Floor', ${size}, ${confirmed}, ${held})`;
    await quota(5, 3, 2).execute(db);
    await refuses(quota(5, 3, 3), 'quotas_size');
    await refuses(quota(5, -1, 0), 'quotas_counts');
    await refuses(sql`UPDATE quotas SET held = held + 1`, 'quotas_size');

    const voucher = (code: string, kind: string, value: number, maxUses = 1, used = 0) =>
      sql`INSERT INTO vouchers (event_id, code, effect_kind, effect_value, max_uses, used)
        VALUES (${paid.id}, ${code}, ${kind}, ${value}, ${maxUses}, ${used})`;
    await voucher('early-bird', 'percent', 100, 2, 2).execute(db);
    await voucher('free_1', 'price', 0).execute(db);
    await refuses(voucher('greedy', 'amount', 500, 2, 3), 'vouchers_uses');
    await refuses(
      sql`UPDATE vouchers SET used = used + 1 WHERE code = 'early-bird'`,
      'vouchers_uses',
    );
    await refuses(voucher('Loud', 'none', 0), 'vouchers_code_check');
    await refuses(voucher('no', 'none', 0), 'vouchers_code_check');
    await refuses(voucher('early-bird', 'none', 0), 'vouchers_event_id_code_key');
    await refuses(voucher('zero', 'percent', 0), 'vouchers_effect');
    await refuses(voucher('over', 'percent', 101), 'vouchers_effect');
    await refuses(voucher('some', 'none', 5), 'vouchers_effect');
    // The same code at another event is another voucher.
    await sql`INSERT INTO vouchers (event_id, code, effect_kind)
      VALUES (${free.id}, 'early-bird', 'none')`.execute(db);

    const [booking] = bookings;
    const type = await db
      .selectFrom('ticket_types')
      .select('id')
      .where('event_id', '=', paid.id)
      .executeTakeFirstOrThrow();
    const item = (unit: number, quantity: number, discount: number, total: number) =>
      sql`INSERT INTO booking_items (booking_id, ticket_type_id, position, quantity,
          unit_price_cents, discount_cents, total_cents)
        VALUES (${booking?.id}, ${type.id}, 1, ${quantity}, ${unit}, ${discount}, ${total})`;
    await item(2500, 2, 500, 4500).execute(db);
    await refuses(item(2500, 2, 0, 4500), 'booking_items_total');
    await refuses(item(2500, 2, 6000, -1000), 'booking_items_total');
    await refuses(
      sql`INSERT INTO ticket_types (event_id, name, price_cents, min_per_booking, max_per_booking)
        VALUES (${paid.id}, 'VIP', 9000, 3, 2)`,
      'ticket_types_per_booking',
    );
  });

  it("deletes an event's types, quotas, vouchers, items and redemptions with it", async () => {
    const db = migration.db();
    const [quota] = (
      await sql<{ id: string }>`SELECT id FROM quotas WHERE event_id = ${paid.id}`.execute(db)
    ).rows;
    const [voucher] = (
      await sql<{ id: string }>`SELECT id FROM vouchers WHERE event_id = ${paid.id}`.execute(db)
    ).rows;
    await sql`INSERT INTO quota_ticket_types (quota_id, ticket_type_id)
      SELECT ${quota?.id}, id FROM ticket_types WHERE event_id = ${paid.id}`.execute(db);
    await sql`INSERT INTO voucher_ticket_types (voucher_id, ticket_type_id)
      SELECT ${voucher?.id}, id FROM ticket_types WHERE event_id = ${paid.id}`.execute(db);
    await sql`INSERT INTO voucher_redemptions (booking_id, voucher_id, seats, redeemed_at)
      VALUES (${bookings[0]?.id}, ${voucher?.id}, 2, now())`.execute(db);

    await sql`DELETE FROM events WHERE id = ${paid.id}`.execute(db);

    // What is left is the free event's: its type, its voucher and its bookings' items.
    const left: Record<string, number> = { ticket_types: 1, vouchers: 1, booking_items: 2 };
    for (const table of TABLES) {
      const n = await count(sql`SELECT count(*)::int AS n FROM ${sql.table(table)}`);
      expect(n, table).toBe(left[table] ?? 0);
    }
    const freeRows = sql<{ n: number }>`SELECT count(*)::int AS n FROM ticket_types t
      JOIN vouchers v USING (event_id) JOIN bookings b USING (event_id)
      JOIN booking_items i ON i.booking_id = b.id AND i.ticket_type_id = t.id
      WHERE t.event_id = ${free.id}`;
    expect(await count(freeRows)).toBe(2);
  });

  it('goes down and up again', async () => {
    expect((await migration.down()).error).toBeUndefined();
    expect(await tablesLeft()).toEqual([]);
    expect((await migration.up()).error).toBeUndefined();
    expect(await tablesLeft()).toHaveLength(TABLES.length);
    const { rows } = await sql<{ booking_id: string; name: string; total_cents: string }>`
      SELECT i.booking_id, t.name, i.total_cents FROM booking_items i
      JOIN ticket_types t ON t.id = i.ticket_type_id`.execute(migration.db());
    const byBooking = (a: { booking_id: string }, b: { booking_id: string }) =>
      a.booking_id < b.booking_id ? -1 : 1;
    expect(rows.sort(byBooking)).toEqual(
      bookings
        .filter((b) => b.event === free.id)
        .map((b) => ({ booking_id: b.id, name: 'General admission', total_cents: '0' }))
        .sort(byBooking),
    );
  });
});
