import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/**
 * Tickets (API.md Part 2, "tickets and check-in"): one per seat or unit of a confirmed booking,
 * each unit issued once whatever retries (a unique key on booking, type and unit), and the keys
 * their codes are signed with — public halves kept while their tickets may be scanned.
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`
    CREATE TABLE ticket_signing_keys (
      kid text PRIMARY KEY CHECK (char_length(kid) BETWEEN 1 AND 64),
      public_jwk jsonb NOT NULL CHECK (jsonb_typeof(public_jwk) = 'object'),
      -- Only a key the embedded mode made for itself; TICKET_SIGNING_KEY is never stored.
      private_pkcs8 text,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    )`.execute(db);
  await sql`
    CREATE TABLE tickets (
      id uuid PRIMARY KEY,
      booking_id uuid NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
      event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
      ticket_type_id uuid NOT NULL REFERENCES ticket_types (id),
      seat_id uuid REFERENCES seats (id),
      unit integer NOT NULL CHECK (unit >= 0),
      status text NOT NULL CHECK (status IN ('valid', 'void')),
      issued_at timestamptz NOT NULL,
      voided_at timestamptz,
      CONSTRAINT tickets_unit UNIQUE (booking_id, ticket_type_id, unit),
      CONSTRAINT tickets_voided CHECK ((status = 'void') = (voided_at IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX tickets_event_idx ON tickets (event_id)`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('tickets').execute();
  await db.schema.dropTable('ticket_signing_keys').execute();
}
