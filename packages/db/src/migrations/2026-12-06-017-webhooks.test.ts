import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';
import { insertEventRows } from './fixtures/event-rows.js';

const THIS = '2026-12-06-017-webhooks';

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);
  const [user, org, event, type, webhook, eventId] = Array.from({ length: 6 }, () => randomUUID());
  const delivery = (id: string) =>
    sql`INSERT INTO webhook_deliveries (id, webhook_id, event_id, seq, topic, body, status,
        next_attempt_at, retry_until, created_at)
      VALUES (${id}, ${webhook}, ${eventId}, 7, 'booking.created', '{}', 'pending', now(),
        now() + interval '1 day', now())`;

  it('records one delivery per webhook and event, and each attempt once', async () => {
    const db = migration.db();
    await insertEventRows(db, { user, org, event, type });
    expect((await migration.up()).error).toBeUndefined();
    await sql`INSERT INTO webhooks (id, organization_id, url, topics, secret, status, created_at,
        updated_at)
      VALUES (${webhook}, ${org}, 'https://hooks.example.com/a', ARRAY['booking.created'],
        'whsec_c2VjcmV0', 'active', now(), now())`.execute(db);
    const first = randomUUID();
    await delivery(first).execute(db);
    await expect(delivery(randomUUID()).execute(db)).rejects.toThrow(/webhook_deliveries_event/);
    const attempt = sql`INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code,
        duration_ms) VALUES (${first}, 1, now(), 500, 12)`;
    await attempt.execute(db);
    await expect(attempt.execute(db)).rejects.toThrow(/webhook_attempts_pkey/);
    // A webhook without topics is refused; deleting one takes its deliveries and attempts.
    await expect(
      sql`INSERT INTO webhooks (id, organization_id, url, topics, secret, status, created_at,
          updated_at) VALUES (${randomUUID()}, ${org}, 'https://x.example', ARRAY[]::text[],
          's', 'active', now(), now())`.execute(db),
    ).rejects.toThrow(/topics_check/);
    await sql`DELETE FROM webhooks WHERE id = ${webhook}`.execute(db);
    const left = await sql<{ n: string }>`SELECT count(*) AS n FROM webhook_attempts`.execute(db);
    expect(left.rows[0]?.n).toBe('0');
  });

  it('goes down without the webhook tables', async () => {
    const db = migration.db();
    expect((await migration.down()).error).toBeUndefined();
    const tables = await sql<{ name: string }>`SELECT table_name AS name
      FROM information_schema.tables WHERE table_name LIKE 'webhook%'`.execute(db);
    expect(tables.rows).toEqual([]);
    expect((await migration.up()).error).toBeUndefined();
  });
});
