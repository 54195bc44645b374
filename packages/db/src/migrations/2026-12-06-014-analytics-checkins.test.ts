import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';
import { insertEventRows } from './fixtures/event-rows.js';

const THIS = '2026-12-06-014-analytics-checkins';

/** How far the analytics consumer got with an outbox event. */
type Delivery = 'processed' | 'covered' | 'unprocessed' | 'delivered';

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);
  const [user, org, event, type, booking, t1, t2, t3, strict, loose, quiet] = Array.from(
    { length: 11 },
    () => randomUUID(),
  );
  const epochs = new Map<string, number>();

  /** A check-in row and its ticket.checked_in, as far delivered as `delivery` says. */
  async function checkin(
    list: string | undefined,
    ticket: string | undefined,
    direction: 'entry' | 'exit',
    delivery: Delivery,
  ) {
    const db = migration.db();
    const key = `${list}|${ticket}|${direction}`;
    const epoch = epochs.get(key) ?? 0;
    epochs.set(key, epoch + 1);
    await sql`INSERT INTO checkins (list_id, ticket_id, direction, epoch, at, nonce)
      VALUES (${list}, ${ticket}, ${direction}, ${epoch}, now(), ${randomUUID()})`.execute(db);
    const id = randomUUID();
    const payload = {
      ticketId: ticket,
      bookingId: booking,
      eventId: event,
      listId: list,
      direction,
    };
    await sql`INSERT INTO outbox (id, topic, version, aggregate_id, payload, relayed_at,
        delivered_at)
      VALUES (${id}, 'ticket.checked_in', 1, ${ticket}, ${JSON.stringify(payload)}::jsonb, now(),
        ${delivery === 'delivered' ? sql`now()` : sql`NULL`})`.execute(db);
    if (delivery === 'processed') {
      await sql`INSERT INTO processed_events (consumer, event_id)
        VALUES ('analytics', ${id})`.execute(db);
    }
    if (delivery === 'covered') {
      await sql`INSERT INTO analytics_rebuild_covered (event_id) VALUES (${id})`.execute(db);
    }
  }

  const figures = () =>
    sql<{ list_id: string; entered: number; inside: number }>`
      SELECT list_id, entered, inside FROM analytics_checkin_stats WHERE event_id = ${event}
      ORDER BY entered, inside`.execute(migration.db());
  const marks = () =>
    sql<{ list_id: string; ticket_id: string }>`SELECT list_id, ticket_id
      FROM analytics_checkin_tickets ORDER BY list_id, ticket_id`.execute(migration.db());

  it('fills the figures per list from the check-ins, as the projection has seen them', async () => {
    const db = migration.db();
    await insertEventRows(db, { user, org, event, type });
    await sql`INSERT INTO bookings (id, event_id, user_id, quantity, status, unit_price_cents,
        total_cents, currency, updated_at, confirmed_at)
      VALUES (${booking}, ${event}, ${user}, 3, 'confirmed', 0, 0, 'EUR', now(), now())`.execute(
      db,
    );
    for (const [unit, ticket] of [t1, t2, t3].entries()) {
      await sql`INSERT INTO tickets (id, booking_id, event_id, ticket_type_id, unit, status,
          issued_at) VALUES (${ticket}, ${booking}, ${event}, ${type}, ${unit}, 'valid', now())`.execute(
        db,
      );
    }
    await sql`INSERT INTO checkin_lists (id, event_id, name, all_types, allow_reentry, created_at)
      VALUES (${strict}, ${event}, 'Main door', true, false, now()),
        (${loose}, ${event}, 'Garden', true, true, now()),
        (${quiet}, ${event}, 'Side door', true, false, now())`.execute(db);

    // Main door: t1 in (delivered before analytics listened: it never comes); t2 in, then out
    // (the exit not processed yet: the consumer will take it off).
    await checkin(strict, t1, 'entry', 'delivered');
    await checkin(strict, t2, 'entry', 'processed');
    await checkin(strict, t2, 'exit', 'unprocessed');
    // Garden: t1 in, out, and in again (not processed yet); t2 in (counted by a rebuild); t3 in
    // (not processed yet: neither entered nor inside until the consumer adds it).
    await checkin(loose, t1, 'entry', 'delivered');
    await checkin(loose, t1, 'exit', 'delivered');
    await checkin(loose, t1, 'entry', 'unprocessed');
    await checkin(loose, t2, 'entry', 'covered');
    await checkin(loose, t3, 'entry', 'unprocessed');

    expect((await migration.up()).error).toBeUndefined();

    // The side door was never scanned: no row (the detail reads its name with zeros).
    expect((await figures()).rows).toEqual([
      { list_id: loose, entered: 2, inside: 1 },
      { list_id: strict, entered: 2, inside: 2 },
    ]);
    // t1's re-entry in the garden will not count it again; t3's entry will.
    const expected = [
      { list_id: strict, ticket_id: t1 },
      { list_id: strict, ticket_id: t2 },
      { list_id: loose, ticket_id: t1 },
      { list_id: loose, ticket_id: t2 },
    ].sort((a, b) => (`${a.list_id}|${a.ticket_id}` < `${b.list_id}|${b.ticket_id}` ? -1 : 1));
    expect((await marks()).rows).toEqual(expected);
  });

  it('goes down and up again', async () => {
    const db = migration.db();
    const tables = () =>
      sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
        WHERE table_name LIKE 'analytics_checkin%' ORDER BY table_name`.execute(db);
    expect((await migration.down()).error).toBeUndefined();
    expect((await tables()).rows).toEqual([]);
    expect((await migration.up()).error).toBeUndefined();
    expect((await tables()).rows.map((r) => r.name)).toEqual([
      'analytics_checkin_stats',
      'analytics_checkin_tickets',
    ]);
    // Filled alike: the fill depends only on the source rows and the outbox.
    expect((await figures()).rows).toEqual([
      { list_id: loose, entered: 2, inside: 1 },
      { list_id: strict, entered: 2, inside: 2 },
    ]);
    expect((await marks()).rows).toHaveLength(4);
  });
});
