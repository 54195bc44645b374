import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/**
 * The retention job deletes finished records in small chunks, oldest first: each chunk must find
 * its rows through an index, not by scanning the table. (Each partial index holds only the rows
 * the retention job may delete one day.)
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`CREATE INDEX outbox_delivered_idx ON outbox (delivered_at) WHERE delivered_at IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX sent_emails_sent_idx ON sent_emails (sent_at) WHERE status = 'sent'`.execute(
    db,
  );
  await sql`CREATE INDEX sessions_ended_idx ON sessions ((LEAST(expires_at, coalesce(revoked_at, expires_at))))`.execute(
    db,
  );
  await sql`CREATE INDEX otp_codes_expiry_idx ON otp_codes (expires_at)`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  for (const index of [
    'otp_codes_expiry_idx',
    'sessions_ended_idx',
    'sent_emails_sent_idx',
    'outbox_delivered_idx',
  ]) {
    await db.schema.dropIndex(index).execute();
  }
}
