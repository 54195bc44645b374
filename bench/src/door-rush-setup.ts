// The door rush's event (door-rush.bench.ts): a free, sold-out event whose tickets are in the
// database as the API and its tickets consumer would have left them, and the staff who scan them.
// The event and its one type are made through the API (publishArena, unseated); its confirmed
// bookings (one holder each, parties of 1–4), their lines, the inventory count and the tickets are
// written by SQL — issuing 20,000 tickets through bookings.create and the outbox consumer would
// take minutes and is not what this bench measures. The outbox events that would have led there
// (booking.created, booking.confirmed) and the bookings' audit rows are not written: nothing the
// door reads. Each ticket's code is signed as the API signs it (ticketKeys with the processes' own
// TICKET_SIGNING_KEY: the same deterministic EdDSA JWS `tickets.forBooking` would answer).
import { ticketKeys } from '@evently/api';
import type { Database } from '@evently/db';
import type { EventlyClient } from '@evently/sdk';
import { type Kysely, sql } from 'kysely';
import { publishArena } from './seating-setup.js';

/** A ticket at the door: its id and the code its holder shows. */
export interface DoorTicket {
  id: string;
  code: string;
}

export interface DoorEvent {
  eventId: string;
  ticketTypeId: string;
  organizationId: string;
  /** Each booking's units one after another. */
  tickets: DoorTicket[];
}

/** Parties of 1–4 (1, 2, 3, 4, 1, 2, …), the last cut to what is left: `tickets` in all. */
export function partySizes(tickets: number, largest = 4): number[] {
  const sizes: number[] = [];
  for (let left = tickets, i = 0; left > 0; i++) {
    const size = Math.min(1 + (i % largest), left);
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

/**
 * A published free event of capacity `tickets`, sold out: one confirmed booking per holder (a
 * verified account of its own), its one line, the event's inventory counting them, and a valid
 * ticket per unit with its signed code.
 */
export async function seedDoorEvent(
  db: Kysely<Database>,
  organizer: EventlyClient,
  options: { tickets: number; signingKey: string },
): Promise<DoorEvent> {
  const { eventId, ticketTypeId } = await publishArena(organizer, {
    title: `Door rush, ${options.tickets.toLocaleString('en')} tickets`,
    seats: options.tickets,
    maxPerBooking: 4,
    seated: false,
  });
  const sizes = partySizes(options.tickets);
  const now = new Date();
  await sql`
    INSERT INTO users (id, email, name, role, password_hash, email_verified_at, updated_at)
    SELECT gen_random_uuid(), 'door-' || n || '@bench.example', 'Door holder ' || n, 'user',
      'not a hash', ${now}, ${now}
    FROM generate_series(1, ${sizes.length}::int) AS g(n)`.execute(db);
  // Holder n books party n: one booking each, confirmed at once (free), its one line.
  await sql`
    WITH party AS (
      SELECT n, size FROM unnest(${sizes}::int[]) WITH ORDINALITY AS p(size, n)
    ), holder AS (
      SELECT id, split_part(split_part(email, '@', 1), '-', 2)::bigint AS n
      FROM users WHERE email LIKE 'door-%@bench.example'
    ), booked AS (
      INSERT INTO bookings (id, event_id, user_id, quantity, status, unit_price_cents,
        total_cents, currency, created_at, updated_at, confirmed_at)
      SELECT gen_random_uuid(), ${eventId}, holder.id, party.size, 'confirmed', 0, 0, 'EUR',
        ${now}, ${now}, ${now}
      FROM party JOIN holder USING (n)
      RETURNING id, quantity
    )
    INSERT INTO booking_items (booking_id, ticket_type_id, position, quantity, unit_price_cents,
      discount_cents, total_cents)
    SELECT id, ${ticketTypeId}, 0, quantity, 0, 0, 0 FROM booked`.execute(db);
  await sql`
    UPDATE event_inventory SET confirmed = confirmed + ${options.tickets}, version = version + 1,
      updated_at = ${now}
    WHERE event_id = ${eventId}`.execute(db);
  // What the tickets consumer issues on booking.confirmed: a ticket per unit of each line.
  const { rows } = await sql<{ id: string }>`
    WITH issued AS (
      INSERT INTO tickets (id, booking_id, event_id, ticket_type_id, seat_id, unit, status,
        issued_at)
      SELECT gen_random_uuid(), line.booking_id, ${eventId}, line.ticket_type_id, NULL, unit,
        'valid', ${now}
      FROM booking_items line, generate_series(0, line.quantity - 1) AS unit
      WHERE line.booking_id IN (SELECT id FROM bookings WHERE event_id = ${eventId})
      RETURNING id, booking_id, unit
    )
    SELECT id FROM issued ORDER BY booking_id, unit`.execute(db);
  for (const table of ['users', 'bookings', 'booking_items', 'tickets']) {
    await sql`ANALYZE ${sql.table(table)}`.execute(db);
  }
  const keys = ticketKeys(db, { signingKey: options.signingKey, production: true });
  const tickets: DoorTicket[] = [];
  for (const { id } of rows) {
    tickets.push({ id, code: await keys.sign({ tid: id, eid: eventId, tt: ticketTypeId }) });
  }
  const event = await db
    .selectFrom('events')
    .select('organization_id')
    .where('id', '=', eventId)
    .executeTakeFirstOrThrow();
  return { eventId, ticketTypeId, organizationId: event.organization_id, tickets };
}

/** The users become staff of the organization (as an accepted invitation leaves them). */
export async function makeStaff(
  db: Kysely<Database>,
  organizationId: string,
  userIds: readonly string[],
): Promise<void> {
  await db
    .insertInto('organization_members')
    .values(userIds.map((id) => ({ organization_id: organizationId, user_id: id, role: 'staff' })))
    .execute();
}
