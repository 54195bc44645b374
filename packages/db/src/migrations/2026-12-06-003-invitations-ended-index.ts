import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/**
 * The retention job finds ended invitations (accepted, replaced or expired) through an index, as
 * it finds every other table's finished rows.
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`CREATE INDEX organization_invitations_ended_idx ON organization_invitations
    ((LEAST(expires_at, coalesce(accepted_at, expires_at), coalesce(revoked_at, expires_at))))`.execute(
    db,
  );
}

export async function down(db: AnyDb): Promise<void> {
  await sql`DROP INDEX organization_invitations_ended_idx`.execute(db);
}
