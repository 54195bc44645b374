import { randomUUID } from 'node:crypto';
import { connectTestRedis } from '@evently/platform/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashOtp } from '../src/modules/auth/otp.js';
import { failure } from './app-error.js';
import { codeIn, startTestApp, TEST_JWT_SECRET, TEST_PASSWORD, type TestApp } from './harness.js';

// One-time codes must not tell which emails have accounts: for every path (ask for a code, type
// wrong ones, ask again, wait for the cooldown or the expiry), a real account, an unknown email,
// an inactive and an already-verified account get the very same answers. Time moves by the
// services' clock, never by sleeping.

const COOLDOWN_MS = 61_000;
const SLOW_COOLDOWN_MS = 5 * 60_000;
const EXPIRY_MS = 10 * 60_000 + 1_000;

type Kind = 'unknown' | 'pending' | 'verified' | 'inactive';
type Purpose = 'verify' | 'reset';

interface Subject {
  kind: Kind;
  email: string;
}

/** What an attacker sees of each step: ok, or the appCode. */
type Answer = string;

interface Path {
  name: string;
  purpose: Purpose;
  /** Those who must answer exactly like `real`. */
  others: Kind[];
  /** The account that really gets codes on this path. */
  real: Kind;
  request(email: string): Promise<unknown>;
  attempt(email: string, code: string): Promise<unknown>;
}

let app: TestApp;
let offsetMs = 0;
const advance = (ms: number) => {
  offsetMs += ms;
};
beforeAll(async () => {
  app = await startTestApp({ now: () => new Date(Date.now() + offsetMs) });
});
afterAll(async () => app?.close());

describe('one-time codes answer alike for known and unknown emails', () => {
  /** An account of the given kind, written directly (no mail, no code yet). */
  async function subject(kind: Kind): Promise<Subject> {
    const email = `${kind}-${randomUUID()}@example.com`;
    if (kind === 'unknown') return { kind, email };
    await app.db.handle.db
      .insertInto('users')
      .values({
        id: randomUUID(),
        email,
        name: 'Subject',
        role: 'user',
        // Never used to log in here.
        password_hash: 'not a hash',
        email_verified_at: kind === 'pending' ? null : new Date(),
        active: kind !== 'inactive',
        updated_at: new Date(),
      })
      .execute();
    return { kind, email };
  }

  /**
   * A code that is surely wrong: checked against the codes of the email's account, if it has
   * one by now (registering an unknown email creates it).
   */
  async function wrongCode(who: Subject, purpose: Purpose): Promise<string> {
    const rows = await app.db.handle.db
      .selectFrom('otp_codes')
      .innerJoin('users', 'users.id', 'otp_codes.user_id')
      .select(['otp_codes.id', 'otp_codes.code_hash'])
      .where('users.email', '=', who.email)
      .where('otp_codes.purpose', '=', purpose)
      .execute();
    const matches = (code: string) =>
      rows.some((r) => hashOtp(TEST_JWT_SECRET, r.id, code) === r.code_hash);
    return matches('000000') ? '111111' : '000000';
  }

  const answer = async (call: Promise<unknown>): Promise<Answer> =>
    call.then(
      () => 'ok',
      async () => (await failure(call)).appCode ?? 'no appCode',
    );

  const paths: Path[] = [
    {
      name: 'resendVerification + verifyEmail',
      purpose: 'verify',
      real: 'pending',
      others: ['unknown', 'verified', 'inactive'],
      request: (email) => app.client().auth.resendVerification.mutate({ email }),
      attempt: (email, code) => app.client().auth.verifyEmail.mutate({ email, code }),
    },
    {
      name: 'register + verifyEmail',
      purpose: 'verify',
      // Registering an unknown email creates the account that gets the code.
      real: 'unknown',
      others: ['pending', 'verified', 'inactive'],
      request: (email) =>
        app.client().auth.register.mutate({ email, password: TEST_PASSWORD, name: 'Probe' }),
      attempt: (email, code) => app.client().auth.verifyEmail.mutate({ email, code }),
    },
    {
      name: 'requestPasswordReset + resetPassword',
      purpose: 'reset',
      real: 'verified',
      others: ['unknown', 'inactive', 'pending'],
      request: (email) => app.client().auth.requestPasswordReset.mutate({ email }),
      attempt: (email, code) =>
        app.client().auth.resetPassword.mutate({ email, code, newPassword: 'brand new password' }),
    },
  ];

  /** A script of steps: ask for a code, try a wrong one, or move the clock. */
  type Step = 'request' | 'wrong' | { advanceMs: number };
  const wrong = (n: number): Step[] => Array(n).fill('wrong');

  async function play(path: Path, who: Subject, steps: Step[]): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (const step of steps) {
      if (step === 'request') answers.push(await answer(path.request(who.email)));
      else if (step === 'wrong') {
        const code = await wrongCode(who, path.purpose);
        answers.push(await answer(path.attempt(who.email, code)));
      } else advance(step.advanceMs);
    }
    return answers;
  }

  const scripts: { name: string; steps: Step[]; expected: Answer[] }[] = [
    {
      name: 'request, 6 wrong codes, request again within the cooldown, try; after it, a fresh code',
      steps: [
        'request',
        ...wrong(6),
        'request',
        'wrong',
        { advanceMs: COOLDOWN_MS },
        'request',
        'wrong',
      ],
      expected: [
        'ok',
        ...Array(5).fill('OTP_INVALID'),
        'OTP_ATTEMPTS_EXCEEDED',
        'ok',
        'OTP_ATTEMPTS_EXCEEDED',
        'ok',
        'OTP_INVALID',
      ],
    },
    {
      name: 'request, let the code expire, try; request a new one, try',
      steps: ['request', { advanceMs: EXPIRY_MS }, 'wrong', 'request', 'wrong'],
      expected: ['ok', 'OTP_EXPIRED', 'ok', 'OTP_INVALID'],
    },
    {
      name: 'request, 2 wrong, request within the cooldown (attempts kept), 3 more',
      steps: ['request', ...wrong(2), 'request', ...wrong(4)],
      expected: [
        'ok',
        'OTP_INVALID',
        'OTP_INVALID',
        'ok',
        ...Array(3).fill('OTP_INVALID'),
        'OTP_ATTEMPTS_EXCEEDED',
      ],
    },
    {
      name: 'request, exhaust the attempts, then the code expires too',
      steps: ['request', ...wrong(6), { advanceMs: EXPIRY_MS }, 'wrong'],
      expected: [
        'ok',
        ...Array(5).fill('OTP_INVALID'),
        'OTP_ATTEMPTS_EXCEEDED',
        'OTP_ATTEMPTS_EXCEEDED',
      ],
    },
  ];

  describe.each(paths)('$name', (path) => {
    it.each(scripts)('$name', async ({ steps, expected }) => {
      // Every subject is set up first, then each plays the same script on the same clock.
      const subjects = await Promise.all([path.real, ...path.others].map(subject));
      const answers: Record<string, Answer[]> = {};
      for (const who of subjects) answers[who.kind] = await play(path, who, steps);
      expect(answers[path.real]).toEqual(expected);
      for (const kind of path.others)
        expect({ kind, answers: answers[kind] }).toEqual({ kind, answers: expected });
    });
  });

  describe.each(paths.filter((p) => p.name !== 'register + verifyEmail'))('$name', (path) => {
    // Registering is limited to 3 an hour per email: this script asks 5 times.
    it('after three codes within the hour the next waits five minutes, alike', async () => {
      const subjects = await Promise.all([path.real, ...path.others].map(subject));
      const steps: Step[] = [
        'request',
        { advanceMs: COOLDOWN_MS },
        'request',
        { advanceMs: COOLDOWN_MS },
        'request',
        ...wrong(5),
        // A minute later: a fourth code would be due, but only a slow cooldown after the third.
        { advanceMs: COOLDOWN_MS },
        'request',
        'wrong',
        { advanceMs: SLOW_COOLDOWN_MS - COOLDOWN_MS + 1_000 },
        'request',
        'wrong',
      ];
      const expected = [
        'ok',
        'ok',
        'ok',
        ...Array(5).fill('OTP_INVALID'),
        'ok',
        'OTP_ATTEMPTS_EXCEEDED',
        'ok',
        'OTP_INVALID',
      ];
      for (const who of subjects) {
        expect({ kind: who.kind, answers: await play(path, who, steps) }).toEqual({
          kind: who.kind,
          answers: expected,
        });
      }
    });

    it('with no code asked lately, and after the owner used theirs, wrong codes run out alike', async () => {
      const owner = await subject(path.real);
      const others = await Promise.all(path.others.map(subject));
      // The owner asks for a code and uses it (the attacker sees none of this).
      await path.request(owner.email);
      const mail = await app.mail(
        owner.email,
        path.purpose === 'verify' ? /verification/ : /reset/,
      );
      expect(await answer(path.attempt(owner.email, codeIn(mail)))).toBe('ok');
      const expected = [...Array(5).fill('OTP_INVALID'), 'OTP_ATTEMPTS_EXCEEDED'];
      for (const who of [owner, ...others]) {
        expect({ kind: who.kind, answers: await play(path, who, wrong(6)) }).toEqual({
          kind: who.kind,
          answers: expected,
        });
      }
    });
  });
});

describe('one-time codes at rest', () => {
  /** The code as a token of its own (not six digits inside a longer number or id). */
  const token = (code: string) => `(^|[^0-9A-Za-z])${code}([^0-9A-Za-z]|$)`;

  /** Every string value in the Redis hashes of this app (BullMQ's jobs keep their data there). */
  async function redisHashValues(): Promise<string[]> {
    const redis = await connectTestRedis();
    try {
      const values: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(
          cursor,
          'MATCH',
          `${app.redisPrefix}:*`,
          'COUNT',
          500,
        );
        cursor = next;
        for (const key of keys) {
          if ((await redis.type(key)) === 'hash')
            values.push(...Object.values(await redis.hgetall(key)));
        }
      } while (cursor !== '0');
      return values;
    } finally {
      redis.disconnect();
    }
  }

  it('leave no plaintext copy once mailed: not in the outbox, the queue, the code row or the sent mail', async () => {
    const email = `rest-${randomUUID()}@example.com`;
    const client = app.client();
    await client.auth.register.mutate({ email, password: TEST_PASSWORD, name: 'Rest' });
    const verifyCode = codeIn(await app.mail(email, /verification code/));
    await client.auth.verifyEmail.mutate({ email, code: verifyCode });
    await client.auth.requestPasswordReset.mutate({ email });
    const resetCode = codeIn(await app.mail(email, /reset code/));
    const user = await app.db.handle.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirstOrThrow();

    // The sender drops a mail's bodies in the transaction that records it sent.
    await expect
      .poll(
        () =>
          app.db.handle.db
            .selectFrom('sent_emails')
            .select(['template', 'status', 'body_text', 'body_html'])
            .where('recipient_id', '=', user.id)
            .where('template', 'in', ['verification-code', 'password-reset-code'])
            .orderBy('template')
            .execute(),
        { timeout: 15_000, interval: 100 },
      )
      .toEqual([
        { template: 'password-reset-code', status: 'sent', body_text: null, body_html: null },
        { template: 'verification-code', status: 'sent', body_text: null, body_html: null },
      ]);
    const withCodes = await app.db.handle.db
      .selectFrom('outbox')
      .select('topic')
      .where((eb) =>
        eb.or([
          eb(sql<boolean>`payload ? 'code'`, '=', true),
          eb(sql<string>`payload::text`, '~', token(verifyCode)),
          eb(sql<string>`payload::text`, '~', token(resetCode)),
        ]),
      )
      .execute();
    expect(withCodes).toEqual([]);
    const rows = await app.db.handle.db
      .selectFrom('otp_codes')
      .select(['purpose', 'mail_code'])
      .where('user_id', '=', user.id)
      .orderBy('purpose')
      .execute();
    expect(rows).toEqual([
      { purpose: 'reset', mail_code: null },
      { purpose: 'verify', mail_code: null },
    ]);
    const queued = await redisHashValues();
    // The delivery jobs of this user's events are there (so the scan looked where codes were).
    expect(queued.some((value) => value.includes(email))).toBe(true);
    const codes = [verifyCode, resetCode].map((code) => new RegExp(token(code)));
    expect(queued.filter((value) => codes.some((code) => code.test(value)))).toEqual([]);
  });
});
