import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/**
 * A queued mail's inline images (a confirmation's ticket QR codes): a JSON array of
 * `{ filename, contentType, contentId, contentBase64 }`, null for a mail without. Like the
 * bodies, cleared once the mail is sent (a QR code lets its holder in).
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`ALTER TABLE sent_emails ADD COLUMN attachments jsonb`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`ALTER TABLE sent_emails DROP COLUMN attachments`.execute(db);
}
