import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';
import { insertEventRows } from './fixtures/event-rows.js';

const THIS = '2026-12-06-013-checkin';

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);
  const [user, org, event, type, booking, ticket, list] = Array.from({ length: 7 }, () =>
    randomUUID(),
  );
  const entry = (epoch: number, nonce: string) =>
    sql`INSERT INTO checkins (list_id, ticket_id, direction, epoch, at, nonce)
      VALUES (${list}, ${ticket}, 'entry', ${epoch}, now(), ${nonce})`;

  it("refuses a ticket's same entry twice and a nonce's second scan, whatever the code does", async () => {
    const db = migration.db();
    await insertEventRows(db, { user, org, event, type });
    await sql`INSERT INTO bookings (id, event_id, user_id, quantity, status, unit_price_cents,
        total_cents, currency, updated_at, confirmed_at)
      VALUES (${booking}, ${event}, ${user}, 1, 'confirmed', 0, 0, 'EUR', now(), now())`.execute(
      db,
    );
    await sql`INSERT INTO tickets (id, booking_id, event_id, ticket_type_id, unit, status,
        issued_at) VALUES (${ticket}, ${booking}, ${event}, ${type}, 0, 'valid', now())`.execute(
      db,
    );

    expect((await migration.up()).error).toBeUndefined();
    await sql`INSERT INTO checkin_lists (id, event_id, name, all_types, created_at)
      VALUES (${list}, ${event}, 'Door', true, now())`.execute(db);
    await entry(0, 'a').execute(db);
    await expect(entry(0, 'b').execute(db)).rejects.toThrow(/checkins_epoch/);
    await entry(1, 'c').execute(db);
    await sql`INSERT INTO checkin_scans (list_id, nonce, at) VALUES (${list}, 'n1', now())`.execute(
      db,
    );
    await expect(
      sql`INSERT INTO checkin_scans (list_id, nonce, at) VALUES (${list}, 'n1', now())`.execute(db),
    ).rejects.toThrow(/checkin_scans_pkey/);
  });

  it('goes down without the check-in tables', async () => {
    const db = migration.db();
    expect((await migration.down()).error).toBeUndefined();
    const tables = await sql<{ name: string }>`SELECT table_name AS name
      FROM information_schema.tables WHERE table_name LIKE 'checkin%'`.execute(db);
    expect(tables.rows).toEqual([]);
    expect((await migration.up()).error).toBeUndefined();
  });
});
