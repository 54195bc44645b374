import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

const KEY = `'^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$'`;

/**
 * Reserved seating (API.md Part 2, "seating"): an event's plan, its seats, and which booking
 * holds each seat. The database keeps the seats straight even if the code does not:
 *
 * - a seat is sold as a ticket type of its own event (a foreign key on (event_id, id) of
 *   `ticket_types`);
 * - a seat is in at most one live booking: a unique index on `seat_allocations (seat_id)` where
 *   the allocation is not released refuses the second, whatever the locks above it do;
 * - a seat a booking ever held is never deleted (its bookings still name it): the plan only marks
 *   it removed.
 */
export async function up(db: AnyDb): Promise<void> {
  // Trivially unique (id is the key): what lets a seat's type be checked to be of its event.
  await sql`ALTER TABLE ticket_types ADD CONSTRAINT ticket_types_event_id_id_key
    UNIQUE (event_id, id)`.execute(db);
  await sql`
    CREATE TABLE seating_plans (
      event_id uuid PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
      -- 0 only inside the transaction writing a first plan (it commits 1).
      version integer NOT NULL DEFAULT 1 CHECK (version >= 0),
      -- Moves with every change of which seats may be sold (the plan, a block): the allocator's
      -- seat index is rebuilt when it moves. Bookings taking seats do not move it.
      seats_version integer NOT NULL DEFAULT 1,
      focus_x float8 NOT NULL,
      focus_y float8 NOT NULL,
      -- The sections and rows in plan order: [{ key, name, rows: [{ key, label }] }].
      sections jsonb NOT NULL CHECK (jsonb_typeof(sections) = 'array'),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE seats (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      event_id uuid NOT NULL REFERENCES seating_plans (event_id) ON DELETE CASCADE,
      section_key text NOT NULL CHECK (section_key ~ ${sql.raw(KEY)}),
      row_key text NOT NULL CHECK (row_key ~ ${sql.raw(KEY)}),
      seat_key text NOT NULL CHECK (seat_key ~ ${sql.raw(KEY)}),
      label text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 32),
      row_label text NOT NULL CHECK (char_length(row_label) <= 32),
      section_name text NOT NULL CHECK (char_length(section_name) BETWEEN 1 AND 120),
      ticket_type_id uuid NOT NULL,
      x float8 NOT NULL,
      y float8 NOT NULL,
      accessible boolean NOT NULL DEFAULT false,
      -- Order in its row.
      position integer NOT NULL CHECK (position >= 0),
      blocked_at timestamptz,
      block_reason text CHECK (char_length(block_reason) <= 500),
      removed_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT seats_key UNIQUE (event_id, section_key, row_key, seat_key),
      CONSTRAINT seats_ticket_type_fkey FOREIGN KEY (event_id, ticket_type_id)
        REFERENCES ticket_types (event_id, id),
      CONSTRAINT seats_block_reason CHECK (blocked_at IS NOT NULL OR block_reason IS NULL)
    )`.execute(db);
  await sql`CREATE INDEX seats_ticket_type_idx ON seats (ticket_type_id)`.execute(db);
  await sql`
    CREATE TABLE seat_allocations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      -- Never cascades: a seat a booking held stays (removed from the plan at most).
      seat_id uuid NOT NULL REFERENCES seats (id),
      booking_id uuid NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
      event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
      allocated_at timestamptz NOT NULL,
      released_at timestamptz,
      CHECK (released_at IS NULL OR released_at >= allocated_at)
    )`.execute(db);
  // The last arbiter: one live allocation per seat.
  await sql`CREATE UNIQUE INDEX seat_allocations_live_seat_idx ON seat_allocations (seat_id)
    WHERE released_at IS NULL`.execute(db);
  await sql`CREATE INDEX seat_allocations_booking_idx ON seat_allocations (booking_id)`.execute(db);
  await sql`CREATE INDEX seat_allocations_live_event_idx ON seat_allocations (event_id)
    WHERE released_at IS NULL`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('seat_allocations').execute();
  await db.schema.dropTable('seats').execute();
  await db.schema.dropTable('seating_plans').execute();
  await sql`ALTER TABLE ticket_types DROP CONSTRAINT ticket_types_event_id_id_key`.execute(db);
}
