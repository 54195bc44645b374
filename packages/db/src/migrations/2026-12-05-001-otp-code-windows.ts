import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/**
 * How many codes (email, purpose) was sent in its current hour: after the first few, a new code
 * waits five minutes instead of one. Per-email request limits went (a stranger could spend them
 * and stop the owner from getting a code); this is what bounds the mails one email can be sent.
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`ALTER TABLE otp_codes
    ADD COLUMN window_started_at timestamptz,
    ADD COLUMN codes_in_window integer NOT NULL DEFAULT 1 CHECK (codes_in_window >= 0)`.execute(db);
  await sql`UPDATE otp_codes SET window_started_at = created_at`.execute(db);
  await sql`ALTER TABLE otp_codes
    ALTER COLUMN window_started_at SET NOT NULL,
    ALTER COLUMN window_started_at SET DEFAULT now()`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`ALTER TABLE otp_codes DROP COLUMN window_started_at, DROP COLUMN codes_in_window`.execute(
    db,
  );
}
