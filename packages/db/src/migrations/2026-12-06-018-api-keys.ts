import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/**
 * API keys (API.md Part 2, "integrations"): an organization's keys, each kept as the SHA-256 of
 * its secret (the secret itself is answered once and never stored), and the audit trail's
 * second kind of actor: an entry made with a key names it (`actor_api_key_id`), as one made by
 * a person names them (`actor_id`).
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`
    CREATE TABLE api_keys (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
      scopes text[] NOT NULL CHECK (cardinality(scopes) >= 1),
      secret_hash bytea NOT NULL UNIQUE CHECK (octet_length(secret_hash) = 32),
      prefix text NOT NULL,
      expires_at timestamptz,
      last_used_at timestamptz,
      revoked_at timestamptz,
      created_by uuid NOT NULL REFERENCES users (id),
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX api_keys_organization_idx ON api_keys (organization_id, created_at)`.execute(
    db,
  );
  await sql`ALTER TABLE audit_log ADD COLUMN actor_api_key_id uuid`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`ALTER TABLE audit_log DROP COLUMN actor_api_key_id`.execute(db);
  await sql`DROP TABLE api_keys`.execute(db);
}
