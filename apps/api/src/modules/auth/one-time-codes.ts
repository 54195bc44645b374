import { randomUUID } from 'node:crypto';
import { type Database, OUTBOX_CHANNEL, toOutboxRows } from '@evently/db';
import { type Kysely, sql, type Transaction } from 'kysely';
import { AppError } from '../../kernel/app-error.js';
import type { UserRow } from './auth.repository.js';
import {
  generateOtp,
  hashOtp,
  OTP_FAST_CODES,
  OTP_MAX_ATTEMPTS,
  OTP_RESEND_COOLDOWN_MS,
  OTP_SLOW_COOLDOWN_MS,
  OTP_TTL_MS,
  OTP_WINDOW_MS,
  otpEmailKey,
  otpMatches,
  phantomSecret,
} from './otp.js';
import { type OtpPurpose, otpCodesRepository as repo } from './otp-codes.repository.js';

/** The user id of a phantom code's event (which is never written). */
const NO_USER = '00000000-0000-0000-0000-000000000000';

const TOPICS = {
  verify: 'user.verification_requested',
  reset: 'user.password_reset_requested',
} as const satisfies Record<OtpPurpose, string>;

export interface OneTimeCodes {
  /**
   * Issues a code for (email, purpose) unless the last one is within its cooldown (a minute; five
   * after three codes within the hour), in the caller's transaction. Mailed to `recipient` when given; otherwise a phantom that nobody can enter but
   * that cools down, counts attempts and expires exactly like a real code — with the same
   * queries and the same hashing — so no answer or timing tells whether the email has an account.
   */
  request(
    trx: Transaction<Database>,
    email: string,
    purpose: OtpPurpose,
    recipient: UserRow | undefined,
  ): Promise<void>;
  /**
   * Checks the code of (email, purpose) and consumes it; returns the id of the account it was
   * mailed to. Throws OTP_INVALID, OTP_EXPIRED or OTP_ATTEMPTS_EXCEEDED — by the row's state,
   * the same for a phantom.
   */
  consume(email: string, purpose: OtpPurpose, code: string): Promise<string>;
}

const invalid = () => new AppError('OTP_INVALID', 'The code is invalid');
const exceeded = () =>
  new AppError('OTP_ATTEMPTS_EXCEEDED', 'Too many wrong codes; request a new one');

export function createOneTimeCodes(deps: {
  db: Kysely<Database>;
  secret: string;
  now: () => Date;
}): OneTimeCodes {
  const { db, secret, now } = deps;
  return {
    async request(trx, email, purpose, recipient) {
      const id = randomUUID();
      const code = generateOtp();
      const createdAt = now();
      const expiresAt = new Date(createdAt.getTime() + OTP_TTL_MS);
      // A phantom's event is built too (never written): both run the same statement.
      const to = recipient ?? { id: NO_USER, email: email.toLowerCase(), name: '' };
      const [event] = toOutboxRows([
        {
          topic: TOPICS[purpose],
          aggregateId: to.id,
          // The event names the code's row, not the code: the mail consumer takes it from there.
          payload: {
            userId: to.id,
            email: to.email,
            name: to.name,
            otpId: id,
            expiresAt: expiresAt.toISOString(),
          },
        },
      ]);
      if (!event) throw new Error('no outbox row built');
      await repo.issueOtp(
        trx,
        {
          id,
          email_key: otpEmailKey(secret, email),
          user_id: recipient?.id ?? null,
          purpose,
          code_hash: hashOtp(secret, id, recipient ? code : phantomSecret()),
          mail_code: recipient ? code : null,
          expires_at: expiresAt,
          created_at: createdAt,
        },
        {
          windowStart: new Date(createdAt.getTime() - OTP_WINDOW_MS),
          fastCodes: OTP_FAST_CODES,
          fastSince: new Date(createdAt.getTime() - OTP_RESEND_COOLDOWN_MS),
          slowSince: new Date(createdAt.getTime() - OTP_SLOW_COOLDOWN_MS),
        },
        { row: event, mailed: recipient !== undefined },
      );
      // Also when nothing was written: the relay finds nothing, and every request looks alike.
      await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.execute(trx);
    },

    async consume(email, purpose, code) {
      const emailKey = otpEmailKey(secret, email);
      let otp = await repo.findOtp(db, emailKey, purpose);
      if (!otp || otp.consumed_at) {
        // No code was asked for this email lately, or its code was used: a phantom takes its
        // place, so wrong guesses run out here as they do against a live code. It is issued as
        // if the longest cooldown ago, so it does not hold back a code asked for next.
        const id = randomUUID();
        const at = now().getTime();
        await repo.ensureOtp(db, {
          id,
          email_key: emailKey,
          purpose,
          code_hash: hashOtp(secret, id, phantomSecret()),
          created_at: new Date(at - OTP_SLOW_COOLDOWN_MS),
          expires_at: new Date(at + OTP_TTL_MS),
        });
        otp = await repo.findOtp(db, emailKey, purpose);
        if (!otp || otp.consumed_at) throw invalid();
      }
      if (otp.attempts >= OTP_MAX_ATTEMPTS) throw exceeded();
      if (otp.expires_at.getTime() <= now().getTime()) {
        throw new AppError('OTP_EXPIRED', 'The code has expired; request a new one');
      }
      // One attempt taken atomically before the check: two parallel wrong guesses cannot both
      // get the last attempt.
      if ((await repo.takeOtpAttempt(db, otp.id, OTP_MAX_ATTEMPTS)) === undefined) throw exceeded();
      if (!otpMatches(secret, otp.id, code, otp.code_hash)) throw invalid();
      if (!(await repo.consumeOtp(db, otp.id, now()))) throw invalid();
      // A phantom never gets here (its hash is of no six-digit code).
      if (!otp.user_id) throw invalid();
      return otp.user_id;
    },
  };
}

/**
 * For the mail consumer: the plaintext of a code waiting for its mail, taken (and cleared from
 * the row) in the consumer's transaction; undefined when the code was replaced, already taken or
 * expired (a code mailed after its expiry would help nobody).
 */
export function takeOtpMailCode(
  trx: Transaction<Database>,
  otpId: string,
): Promise<string | undefined> {
  return repo.takeMailCode(trx, otpId);
}
