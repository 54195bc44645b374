import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';
import { insertEventRows } from './fixtures/event-rows.js';

const THIS = '2026-12-06-012-tickets';

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);
  const [user, org, event, type, booking] = Array.from({ length: 5 }, () => randomUUID());

  const ticket = (unit: number, status = 'valid', voided: string | null = null) =>
    sql`INSERT INTO tickets (id, booking_id, event_id, ticket_type_id, unit, status, issued_at,
        voided_at)
      VALUES (${randomUUID()}, ${booking}, ${event}, ${type}, ${unit}, ${status}, now(),
        ${voided}::timestamptz)`;

  it('issues each unit of a booking once, and voids with a time', async () => {
    const db = migration.db();
    await insertEventRows(db, { user, org, event, type });
    await sql`INSERT INTO bookings (id, event_id, user_id, quantity, status, unit_price_cents,
        total_cents, currency, updated_at, confirmed_at)
      VALUES (${booking}, ${event}, ${user}, 2, 'confirmed', 0, 0, 'EUR', now(), now())`.execute(
      db,
    );

    expect((await migration.up()).error).toBeUndefined();
    await ticket(0).execute(db);
    await expect(ticket(0).execute(db)).rejects.toThrow(/tickets_unit/);
    await expect(ticket(1, 'void').execute(db)).rejects.toThrow(/tickets_voided/);
    await ticket(1, 'void', new Date().toISOString()).execute(db);
    await expect(ticket(2, 'lost').execute(db)).rejects.toThrow(/check/);
    await sql`INSERT INTO ticket_signing_keys (kid, public_jwk)
      VALUES ('k1', '{"kty":"OKP","crv":"Ed25519","x":"a"}')`.execute(db);
    await expect(
      sql`INSERT INTO ticket_signing_keys (kid, public_jwk) VALUES ('k2', '[]')`.execute(db),
    ).rejects.toThrow(/check/);
  });

  it('goes down without the ticket tables', async () => {
    const db = migration.db();
    expect((await migration.down()).error).toBeUndefined();
    const tables = await sql<{ name: string }>`SELECT table_name AS name
      FROM information_schema.tables
      WHERE table_name IN ('tickets', 'ticket_signing_keys')`.execute(db);
    expect(tables.rows).toEqual([]);
    expect((await migration.up()).error).toBeUndefined();
  });
});
