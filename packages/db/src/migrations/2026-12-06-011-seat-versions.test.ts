import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';
import { insertEventRows } from './fixtures/event-rows.js';

const THIS = '2026-12-06-011-seat-versions';

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);
  const [user, org, event, type, booking] = Array.from({ length: 5 }, () => randomUUID());

  it('gives the allocations and seats made before it version 0', async () => {
    const db = migration.db();
    await insertEventRows(db, { user, org, event, type }, 2500);
    await sql`INSERT INTO bookings (id, event_id, user_id, quantity, status, unit_price_cents,
        total_cents, currency, expires_at, updated_at)
      VALUES (${booking}, ${event}, ${user}, 2, 'pending', 2500, 5000, 'EUR',
        now() + interval '10 minutes', now())`.execute(db);
    await sql`INSERT INTO seating_plans (event_id, focus_x, focus_y, sections)
      VALUES (${event}, 0, 0, '[]')`.execute(db);
    const seats = await sql<{ id: string }>`INSERT INTO seats (event_id, section_key, row_key,
        seat_key, label, row_label, section_name, ticket_type_id, x, y, position)
      VALUES (${event}, 'main', 'A', '1', '1', 'A', 'Main', ${type}, 0, 0, 0),
        (${event}, 'main', 'A', '2', '2', 'A', 'Main', ${type}, 1, 0, 1)
      RETURNING id`.execute(db);
    const [one, two] = seats.rows.map((r) => r.id);
    await sql`INSERT INTO seat_allocations (seat_id, booking_id, event_id, allocated_at)
      VALUES (${one}, ${booking}, ${event}, now()), (${two}, ${booking}, ${event}, now())`.execute(
      db,
    );
    await sql`UPDATE seat_allocations SET released_at = now() WHERE seat_id = ${two}`.execute(db);

    expect((await migration.up()).error).toBeUndefined();
    const rows = await sql<{ version: number }>`SELECT version FROM seat_allocations`.execute(db);
    expect(rows.rows).toEqual([{ version: 0 }, { version: 0 }]);
    const states = await sql<{ state_version: number }>`SELECT state_version FROM seats`.execute(
      db,
    );
    expect(states.rows).toEqual([{ state_version: 0 }, { state_version: 0 }]);
  });

  it('goes down without the version columns', async () => {
    const db = migration.db();
    expect((await migration.down()).error).toBeUndefined();
    const columns = await sql<{ name: string }>`SELECT column_name AS name
      FROM information_schema.columns
      WHERE (table_name = 'seat_allocations' AND column_name = 'version')
        OR (table_name = 'seats' AND column_name = 'state_version')`.execute(db);
    expect(columns.rows).toEqual([]);
    expect((await migration.up()).error).toBeUndefined();
  });
});
