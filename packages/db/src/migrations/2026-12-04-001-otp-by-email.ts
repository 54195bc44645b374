import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

const OTP_TOPICS = ['user.verification_requested', 'user.password_reset_requested'];
const NO_CODE = '00000000-0000-0000-0000-000000000000';

/**
 * One-time codes keyed by the email they were asked for, not by an account: every email —
 * unknown, inactive or already verified ones too — gets a row with the same cooldown, attempts
 * and expiry (a phantom one whose code nobody holds), so answers cannot tell accounts apart.
 * One row per (email, purpose): a new code replaces the row. `mail_code` holds a real code in
 * plaintext only until the mail consumer queues its mail; domain events no longer carry it.
 */
export async function up(db: AnyDb): Promise<void> {
  // Outstanding codes cannot be keyed without the server secret, and live ten minutes: their
  // owners ask again.
  await db.deleteFrom('otp_codes').execute();
  await db.schema.dropIndex('otp_codes_user_purpose_idx').execute();
  await sql`ALTER TABLE otp_codes
    ADD COLUMN email_key text NOT NULL,
    ADD COLUMN mail_code text,
    ALTER COLUMN user_id DROP NOT NULL`.execute(db);
  await db.schema
    .createIndex('otp_codes_email_purpose_key')
    .unique()
    .on('otp_codes')
    .columns(['email_key', 'purpose'])
    .execute();
  await db.schema.createIndex('otp_codes_user_idx').on('otp_codes').column('user_id').execute();
  // Codes sent so far sit in the outbox in plaintext: drop them. The events become the new
  // payload version, with an otpId that matches no row (their mail, if still due, is skipped).
  await db
    .updateTable('outbox')
    .set({
      payload: sql`(payload - 'code') || jsonb_build_object('otpId', ${NO_CODE}::text)`,
      version: 2,
    })
    .where('topic', 'in', OTP_TOPICS)
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.deleteFrom('otp_codes').execute();
  await db.schema.dropIndex('otp_codes_user_idx').execute();
  await db.schema.dropIndex('otp_codes_email_purpose_key').execute();
  await sql`ALTER TABLE otp_codes
    DROP COLUMN email_key,
    DROP COLUMN mail_code,
    ALTER COLUMN user_id SET NOT NULL`.execute(db);
  await db.schema
    .createIndex('otp_codes_user_purpose_idx')
    .on('otp_codes')
    .columns(['user_id', 'purpose', 'created_at'])
    .execute();
}
