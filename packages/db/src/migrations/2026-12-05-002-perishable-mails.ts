import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/** The templates whose bodies hold a one-time code (stable names, see mail-templates.ts). */
const CODE_TEMPLATES = ['verification-code', 'password-reset-code'];
/** A code's lifetime when these mails were queued. */
const CODE_TTL = '10 minutes';

/**
 * A mail worth sending only until `expires_at` (a one-time code's mail: its code's expiry). The
 * sender drops it unsent after that, its bodies are cleared when it dies, and a replay skips it:
 * a dead code mail kept no code for later. Code mails queued so far get their code's expiry, and
 * those already dead lose their bodies now.
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`ALTER TABLE sent_emails ADD COLUMN expires_at timestamptz`.execute(db);
  await db
    .updateTable('sent_emails')
    .set({ expires_at: sql`created_at + ${CODE_TTL}::interval` })
    .where('template', 'in', CODE_TEMPLATES)
    .execute();
  await db
    .updateTable('sent_emails')
    .set({ body_text: null, body_html: null })
    .where('template', 'in', CODE_TEMPLATES)
    .where('status', '=', 'dead')
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await sql`ALTER TABLE sent_emails DROP COLUMN expires_at`.execute(db);
}
