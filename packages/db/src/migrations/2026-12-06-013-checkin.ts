import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/**
 * Check-in (API.md Part 2, "tickets and check-in"): lists of an event (all or some of its ticket
 * types, re-entry or not), the entries and exits scanned on them, and each scan's answer by its
 * nonce. The database keeps a door honest whatever the gates do: a ticket's n-th entry (and
 * exit) on a list is one row (`checkins_epoch`), so two gates scanning one ticket at once cannot
 * both let it in, and a nonce is one scan (`checkin_scans` primary key), answered once.
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`
    CREATE TABLE checkin_lists (
      id uuid PRIMARY KEY,
      event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 120),
      -- false: only the types of checkin_list_types.
      all_types boolean NOT NULL,
      allow_reentry boolean NOT NULL DEFAULT false,
      created_by uuid,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX checkin_lists_event_idx ON checkin_lists (event_id)`.execute(db);
  await sql`
    CREATE TABLE checkin_list_types (
      list_id uuid NOT NULL REFERENCES checkin_lists (id) ON DELETE CASCADE,
      ticket_type_id uuid NOT NULL REFERENCES ticket_types (id) ON DELETE CASCADE,
      PRIMARY KEY (list_id, ticket_type_id)
    )`.execute(db);
  await sql`
    CREATE TABLE checkins (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      list_id uuid NOT NULL REFERENCES checkin_lists (id) ON DELETE CASCADE,
      ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
      direction text NOT NULL CHECK (direction IN ('entry', 'exit')),
      -- The ticket's n-th entry (or exit) on the list, from 0.
      epoch integer NOT NULL CHECK (epoch >= 0),
      at timestamptz NOT NULL,
      gate text CHECK (char_length(gate) <= 60),
      nonce text NOT NULL,
      scanned_by uuid,
      CONSTRAINT checkins_epoch UNIQUE (list_id, ticket_id, direction, epoch)
    )`.execute(db);
  await sql`
    CREATE TABLE checkin_scans (
      list_id uuid NOT NULL REFERENCES checkin_lists (id) ON DELETE CASCADE,
      nonce text NOT NULL,
      -- Null only inside the transaction deciding it.
      answer jsonb,
      at timestamptz NOT NULL,
      PRIMARY KEY (list_id, nonce)
    )`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('checkin_scans').execute();
  await db.schema.dropTable('checkins').execute();
  await db.schema.dropTable('checkin_list_types').execute();
  await db.schema.dropTable('checkin_lists').execute();
}
