import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';

const THIS = '2026-12-06-010-seating';

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);
  const user = randomUUID();
  const org = randomUUID();
  const event = randomUUID();
  const otherEvent = randomUUID();
  const type = randomUUID();
  const otherType = randomUUID();
  const [first, second] = [randomUUID(), randomUUID()];

  const insertEvent = (id: string) =>
    sql`INSERT INTO events (id, organizer_id, organization_id, status, title, venue, starts_at,
        ends_at, capacity, price_cents, currency, max_per_booking, created_at, updated_at)
      VALUES (${id}, ${user}, ${org}, 'published', 'Show', 'Hall', '2027-01-10T18:00:00Z',
        '2027-01-10T21:00:00Z', 10, 2500, 'EUR', 4, now(), now())`;
  const insertType = (id: string, eventId: string) =>
    sql`INSERT INTO ticket_types (id, event_id, name, price_cents)
      VALUES (${id}, ${eventId}, 'Stalls', 2500)`;
  const insertBooking = (id: string) =>
    sql`INSERT INTO bookings (id, event_id, user_id, quantity, status, unit_price_cents,
        total_cents, currency, expires_at, updated_at)
      VALUES (${id}, ${event}, ${user}, 1, 'pending', 2500, 2500, 'EUR',
        now() + interval '10 minutes', now())`;
  const seat = (key: string, typeId = type, eventId = event) =>
    sql<{ id: string }>`INSERT INTO seats (event_id, section_key, row_key, seat_key, label,
        row_label, section_name, ticket_type_id, x, y, position)
      VALUES (${eventId}, 'stalls', 'A', ${key}, ${key}, 'A', 'Stalls', ${typeId}, 1, 2, 0)
      RETURNING id`;
  const allocate = (seatId: string, bookingId: string) =>
    sql`INSERT INTO seat_allocations (seat_id, booking_id, event_id, allocated_at)
      VALUES (${seatId}, ${bookingId}, ${event}, now())`;

  it('keeps seats straight in the database itself', async () => {
    const db = migration.db();
    await sql`INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
      VALUES (${user}, 'u@example.com', 'U', 'user', 'x', now(), now())`.execute(db);
    await sql`INSERT INTO organizations (id, name, slug, created_by)
      VALUES (${org}, 'Org', 'org', ${user})`.execute(db);
    await insertEvent(event).execute(db);
    await insertEvent(otherEvent).execute(db);
    await insertType(type, event).execute(db);
    await insertType(otherType, otherEvent).execute(db);
    await insertBooking(first).execute(db);
    await insertBooking(second).execute(db);

    expect((await migration.up()).error).toBeUndefined();

    // Seats belong to a plan.
    await expect(seat('1').execute(db)).rejects.toThrow(/seats_event_id_fkey/);
    await sql`INSERT INTO seating_plans (event_id, focus_x, focus_y, sections)
      VALUES (${event}, 0, 0, '[]')`.execute(db);
    const one = (await seat('1').execute(db)).rows[0]?.id ?? '';
    // Keys are unique within their row; a seat's type is one of its own event.
    await expect(seat('1').execute(db)).rejects.toThrow(/seats_key/);
    await expect(seat('2', otherType).execute(db)).rejects.toThrow(/seats_ticket_type_fkey/);
    await expect(seat('no spaces').execute(db)).rejects.toThrow(/check/);

    // One live allocation per seat, whatever the code above does.
    await allocate(one, first).execute(db);
    await expect(allocate(one, second).execute(db)).rejects.toThrow(
      /seat_allocations_live_seat_idx/,
    );
    // Released, the seat may be allocated again; the released row stays as history.
    await sql`UPDATE seat_allocations SET released_at = now() WHERE booking_id = ${first}`.execute(
      db,
    );
    await allocate(one, second).execute(db);
    const rows = await sql<{ live: boolean }>`SELECT released_at IS NULL AS live
      FROM seat_allocations WHERE seat_id = ${one} ORDER BY allocated_at, live`.execute(db);
    expect(rows.rows.map((r) => r.live).sort()).toEqual([false, true]);

    // A seat a booking held is never deleted.
    await expect(sql`DELETE FROM seats WHERE id = ${one}`.execute(db)).rejects.toThrow(
      /seat_allocations_seat_id_fkey/,
    );
    // A block reason only on a blocked seat.
    await expect(
      sql`UPDATE seats SET block_reason = 'x' WHERE id = ${one}`.execute(db),
    ).rejects.toThrow(/seats_block_reason/);
  });

  it('goes down without the seating tables', async () => {
    const db = migration.db();
    expect((await migration.down()).error).toBeUndefined();
    const tables = await sql<{ name: string }>`SELECT table_name AS name
      FROM information_schema.tables
      WHERE table_name IN ('seating_plans', 'seats', 'seat_allocations')`.execute(db);
    expect(tables.rows).toEqual([]);
    expect((await migration.up()).error).toBeUndefined();
  });
});
