import type { Database, OutboxRow } from '@evently/db';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';

/** Every SQL statement on `otp_codes`. Functions take the db or the caller's transaction. */
type Db = Kysely<Database> | Transaction<Database>;
export type OtpRow = Selectable<Database['otp_codes']>;
export type OtpPurpose = OtpRow['purpose'];

/** When a new code may replace the current one (see issueOtp). */
export interface CodeCooldown {
  /** Codes issued before this count in an earlier window. */
  windowStart: Date;
  /** How many codes of a window only wait the short cooldown. */
  fastCodes: number;
  /** The current code must be older than this, while the window is young... */
  fastSince: Date;
  /** ...and than this once `fastCodes` were issued in it. */
  slowSince: Date;
}

export const otpCodesRepository = {
  /** The code of (email, purpose), real or phantom: at most one row. */
  findOtp(db: Db, emailKey: string, purpose: OtpPurpose) {
    return db
      .selectFrom('otp_codes')
      .selectAll()
      .where('email_key', '=', emailKey)
      .where('purpose', '=', purpose)
      .executeTakeFirst();
  },

  /**
   * Issues a code for (email, purpose) unless the current one is within its cooldown, and
   * appends its mail event when `mailed`: one statement, so of two requests at once at most
   * one issues, and a phantom code runs the very statement a real one runs (its event row
   * filtered out). The new code replaces the row (attempts, expiry, a mail code not yet taken)
   * and counts in the row's window: once `fastCodes` were issued since `windowStart`, the
   * cooldown is the slow one. The caller notifies the relay (OUTBOX_CHANNEL) in the same
   * transaction.
   */
  async issueOtp(
    db: Transaction<Database>,
    otp: {
      id: string;
      email_key: string;
      user_id: string | null;
      purpose: OtpPurpose;
      code_hash: string;
      mail_code: string | null;
      expires_at: Date;
      created_at: Date;
    },
    cooldown: CodeCooldown,
    event: { row: OutboxRow; mailed: boolean },
  ): Promise<void> {
    const { row, mailed } = event;
    // The window the current code counts in is still open: the row's count goes on.
    const inWindow = sql<boolean>`otp_codes.window_started_at > ${cooldown.windowStart}::timestamptz`;
    await db
      .with('issued', (q) =>
        q
          .insertInto('otp_codes')
          .values({
            ...otp,
            attempts: 0,
            consumed_at: null,
            window_started_at: otp.created_at,
            codes_in_window: 1,
          })
          .onConflict((conflict) =>
            conflict
              .columns(['email_key', 'purpose'])
              .doUpdateSet((eb) => ({
                id: eb.ref('excluded.id'),
                user_id: eb.ref('excluded.user_id'),
                code_hash: eb.ref('excluded.code_hash'),
                mail_code: eb.ref('excluded.mail_code'),
                expires_at: eb.ref('excluded.expires_at'),
                created_at: eb.ref('excluded.created_at'),
                attempts: 0,
                consumed_at: null,
                window_started_at: sql<Date>`CASE WHEN ${inWindow} THEN otp_codes.window_started_at ELSE excluded.created_at END`,
                codes_in_window: sql<number>`CASE WHEN ${inWindow} THEN otp_codes.codes_in_window + 1 ELSE 1 END`,
              }))
              .where(
                sql<boolean>`otp_codes.created_at <= CASE
                  WHEN ${inWindow} AND otp_codes.codes_in_window >= ${cooldown.fastCodes}::int
                  THEN ${cooldown.slowSince}::timestamptz
                  ELSE ${cooldown.fastSince}::timestamptz END`,
              ),
          )
          .returning('id'),
      )
      .insertInto('outbox')
      .columns(['id', 'topic', 'version', 'aggregate_id', 'payload', 'occurred_at'])
      .expression((eb) =>
        eb
          .selectFrom('issued')
          .select([
            sql<string>`${row.id}::uuid`.as('id'),
            sql<string>`${row.topic}::text`.as('topic'),
            sql<number>`${row.version}::int`.as('version'),
            sql<string | null>`${row.aggregate_id}::uuid`.as('aggregate_id'),
            sql<string>`${JSON.stringify(row.payload)}::jsonb`.as('payload'),
            sql<Date>`${row.occurred_at}::timestamptz`.as('occurred_at'),
          ])
          .where(sql<boolean>`${mailed}::boolean`),
      )
      .execute();
  },

  /**
   * Puts a phantom code where (email, purpose) has none, or only a used one: an email nobody
   * asked a code for then counts wrong guesses like one with a live code. It is no code issued:
   * the row's window and its count stay.
   */
  async ensureOtp(
    db: Db,
    phantom: {
      id: string;
      email_key: string;
      purpose: OtpPurpose;
      code_hash: string;
      expires_at: Date;
      created_at: Date;
    },
  ): Promise<void> {
    await db
      .insertInto('otp_codes')
      .values({
        ...phantom,
        user_id: null,
        mail_code: null,
        attempts: 0,
        consumed_at: null,
        window_started_at: phantom.created_at,
        codes_in_window: 0,
      })
      .onConflict((conflict) =>
        conflict
          .columns(['email_key', 'purpose'])
          .doUpdateSet((eb) => ({
            id: eb.ref('excluded.id'),
            user_id: null,
            code_hash: eb.ref('excluded.code_hash'),
            mail_code: null,
            expires_at: eb.ref('excluded.expires_at'),
            created_at: eb.ref('excluded.created_at'),
            attempts: 0,
            consumed_at: null,
          }))
          .where('otp_codes.consumed_at', 'is not', null),
      )
      .execute();
  },

  /**
   * The plaintext of a code waiting for its mail, handed out once: the mail consumer takes it as
   * it queues the mail, in its transaction. Undefined when the code was replaced or taken, or
   * has expired (by the database's clock; it is cleared all the same).
   */
  async takeMailCode(db: Transaction<Database>, otpId: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('otp_codes')
      .select(['mail_code', sql<boolean>`expires_at > now()`.as('live')])
      .where('id', '=', otpId)
      .where('mail_code', 'is not', null)
      .forUpdate()
      .executeTakeFirst();
    if (!row?.mail_code) return undefined;
    await db.updateTable('otp_codes').set({ mail_code: null }).where('id', '=', otpId).execute();
    return row.live ? row.mail_code : undefined;
  },

  /** Atomically takes one attempt; undefined when none is left (or the code is used). */
  async takeOtpAttempt(db: Db, otpId: string, maxAttempts: number): Promise<number | undefined> {
    const row = await db
      .updateTable('otp_codes')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', otpId)
      .where('attempts', '<', maxAttempts)
      .where('consumed_at', 'is', null)
      .returning('attempts')
      .executeTakeFirst();
    return row?.attempts;
  },

  async consumeOtp(db: Db, otpId: string, now: Date): Promise<boolean> {
    const row = await db
      .updateTable('otp_codes')
      .set({ consumed_at: now })
      .where('id', '=', otpId)
      .where('consumed_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  },
};
