import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';

const THIS = '2026-12-06-006-waitlist-per-type';

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);
  const organizer = randomUUID();
  const buyers = [randomUUID(), randomUUID(), randomUUID()];
  const org = randomUUID();
  const events = [randomUUID(), randomUUID()];
  // The first event's first type is 'General admission' (position 0); a later type comes second.
  const general = [randomUUID(), randomUUID()];
  const vip = randomUUID();
  const entries = [
    { id: randomUUID(), event: 0, user: 0, status: 'waiting' },
    { id: randomUUID(), event: 0, user: 1, status: 'offered' },
    { id: randomUUID(), event: 1, user: 2, status: 'converted' },
  ] as const;

  it("makes every existing entry wait for its event's first type", async () => {
    const db = migration.db();
    await sql`INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
      SELECT id, id || '@example.com', 'U', 'user', 'x', now(), now()
      FROM unnest(${[organizer, ...buyers]}::uuid[]) id`.execute(db);
    await sql`INSERT INTO organizations (id, name, slug, created_by)
      VALUES (${org}, 'Org', 'org', ${organizer})`.execute(db);
    for (const id of events) {
      await sql`INSERT INTO events (id, organizer_id, organization_id, status, title, venue,
          starts_at, ends_at, capacity, price_cents, currency, max_per_booking, created_at,
          updated_at)
        VALUES (${id}, ${organizer}, ${org}, 'published', 'Show', 'Hall', '2027-01-10T18:00:00Z',
          '2027-01-10T21:00:00Z', 10, 1000, 'EUR', 4, now(), now())`.execute(db);
    }
    // The VIP type is older but placed after General admission: position decides.
    await sql`INSERT INTO ticket_types (id, event_id, name, price_cents, position, created_at)
      VALUES (${vip}, ${events[0]}, 'VIP', 5000, 1, '2026-11-01T00:00:00Z'),
        (${general[0]}, ${events[0]}, 'General admission', 1000, 0, '2026-11-02T00:00:00Z'),
        (${general[1]}, ${events[1]}, 'General admission', 1000, 0, now())`.execute(db);
    for (const e of entries) {
      await sql`INSERT INTO waitlist_entries (id, event_id, user_id, quantity, status)
        VALUES (${e.id}, ${events[e.event]}, ${buyers[e.user]}, 2, ${e.status})`.execute(db);
    }

    expect((await migration.up()).error).toBeUndefined();

    const rows = await sql<{ id: string; ticket_type_id: string }>`
      SELECT id, ticket_type_id FROM waitlist_entries`.execute(db);
    expect(new Map(rows.rows.map((r) => [r.id, r.ticket_type_id]))).toEqual(
      new Map(entries.map((e) => [e.id, general[e.event]])),
    );
    // Every entry names its type from now on.
    await expect(
      sql`INSERT INTO waitlist_entries (id, event_id, user_id, quantity, status)
        VALUES (${randomUUID()}, ${events[0]}, ${buyers[2]}, 1, 'waiting')`.execute(db),
    ).rejects.toThrow(/ticket_type_id/);
    await sql`INSERT INTO waitlist_entries (id, event_id, user_id, ticket_type_id, quantity, status)
      VALUES (${randomUUID()}, ${events[0]}, ${buyers[2]}, ${vip}, 1, 'waiting')`.execute(db);
  });

  it('goes down to entries without a type', async () => {
    const db = migration.db();
    expect((await migration.down()).error).toBeUndefined();
    const columns = await sql<{ name: string }>`SELECT column_name AS name
      FROM information_schema.columns WHERE table_name = 'waitlist_entries'`.execute(db);
    expect(columns.rows.map((c) => c.name)).not.toContain('ticket_type_id');
    expect((await migration.up()).error).toBeUndefined();
  });
});
