import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';

const THIS = '2026-12-06-008-payments';

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);
  const user = randomUUID();
  const org = randomUUID();
  const event = randomUUID();
  const booking = randomUUID();

  const payment = (id: string, provider: string, reference: string, amount = 5000) =>
    sql`INSERT INTO payments (id, booking_id, event_id, user_id, provider, method, amount_cents,
        currency, reference, at)
      VALUES (${id}, ${booking}, ${event}, ${user}, ${provider}, 'card', ${amount}, 'EUR',
        ${reference}, now())`;

  it('keeps the money straight in the database itself', async () => {
    const db = migration.db();
    await sql`INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
      VALUES (${user}, 'u@example.com', 'U', 'user', 'x', now(), now())`.execute(db);
    await sql`INSERT INTO organizations (id, name, slug, created_by)
      VALUES (${org}, 'Org', 'org', ${user})`.execute(db);
    await sql`INSERT INTO events (id, organizer_id, organization_id, status, title, venue,
        starts_at, ends_at, capacity, price_cents, currency, max_per_booking, created_at, updated_at)
      VALUES (${event}, ${user}, ${org}, 'published', 'Show', 'Hall', '2027-01-10T18:00:00Z',
        '2027-01-10T21:00:00Z', 10, 2500, 'EUR', 4, now(), now())`.execute(db);
    await sql`INSERT INTO bookings (id, event_id, user_id, quantity, status, unit_price_cents,
        total_cents, currency, expires_at, updated_at)
      VALUES (${booking}, ${event}, ${user}, 2, 'pending', 2500, 5000, 'EUR',
        now() + interval '10 minutes', now())`.execute(db);

    expect((await migration.up()).error).toBeUndefined();

    // Events have no policy until one is set.
    const policy = await sql<{ cancellation_policy: unknown }>`
      SELECT cancellation_policy FROM events WHERE id = ${event}`.execute(db);
    expect(policy.rows[0]?.cancellation_policy).toBeNull();

    const paid = randomUUID();
    await payment(paid, 'stripe', 'pi_1').execute(db);
    // One PaymentIntent is one payment; manual references may repeat (two cash payments).
    await expect(payment(randomUUID(), 'stripe', 'pi_1').execute(db)).rejects.toThrow(
      /payments_stripe_intent_idx/,
    );
    await payment(randomUUID(), 'manual', 'cash').execute(db);
    await payment(randomUUID(), 'manual', 'cash').execute(db);
    await expect(payment(randomUUID(), 'manual', 'zero', 0).execute(db)).rejects.toThrow(/check/);

    // A payment never gives back more than it brought.
    await sql`UPDATE payments SET refunded_cents = 5000 WHERE id = ${paid}`.execute(db);
    await expect(
      sql`UPDATE payments SET refunded_cents = 5001 WHERE id = ${paid}`.execute(db),
    ).rejects.toThrow(/check/);

    const refund = (status: string, completed: boolean) =>
      sql`INSERT INTO refunds (id, booking_id, payment_id, event_id, provider, amount_cents,
          currency, status, reason, requested_at, completed_at)
        VALUES (${randomUUID()}, ${booking}, ${paid}, ${event}, 'stripe', 100, 'EUR', ${status},
          'r', now(), ${completed ? new Date() : null})`;
    await refund('pending', false).execute(db);
    await refund('succeeded', true).execute(db);
    // A refund is completed exactly when it is no longer pending.
    await expect(refund('succeeded', false).execute(db)).rejects.toThrow(/check/);
    await expect(refund('pending', true).execute(db)).rejects.toThrow(/check/);
    await expect(refund('lost', true).execute(db)).rejects.toThrow(/check/);
  });

  it('goes down without the payments tables and the policy column', async () => {
    const db = migration.db();
    expect((await migration.down()).error).toBeUndefined();
    const tables = await sql<{ name: string }>`SELECT table_name AS name
      FROM information_schema.tables WHERE table_name IN ('payments', 'refunds', 'stripe_events')`.execute(
      db,
    );
    expect(tables.rows).toEqual([]);
    const columns = await sql<{ name: string }>`SELECT column_name AS name
      FROM information_schema.columns WHERE table_name = 'events'`.execute(db);
    expect(columns.rows.map((c) => c.name)).not.toContain('cancellation_policy');
    expect((await migration.up()).error).toBeUndefined();
  });
});
