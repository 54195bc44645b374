import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otpEmailKey } from '../src/modules/auth/otp.js';
import { expectAppCode, failure } from './app-error.js';
import { codeIn, startTestApp, TEST_JWT_SECRET, TEST_PASSWORD, type TestApp } from './harness.js';

// One-time codes and their limits, played by strangers against an owner: a stranger may not stop
// the owner from getting a code or from typing it, however many requests or wrong codes they
// send, and neither mail-bombing nor guessing scales with the number of networks. Each caller
// names its network in X-Forwarded-For (a trusted loopback proxy). Cooldowns run on the
// services' clock, moved by the test; the rate limits count in Redis (no test waits for them).

const COOLDOWN_MS = 61_000;

let app: TestApp;
let offsetMs = 0;
const now = () => new Date(Date.now() + offsetMs);
const advance = (ms: number) => {
  offsetMs += ms;
};
beforeAll(async () => {
  app = await startTestApp({ now });
});
afterAll(async () => app?.close());

const from = (ip: string) => app.client(undefined, { 'x-forwarded-for': ip });
const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');
/** A fresh network per call: 100.64.x.y. */
let networks = 0;
const stranger = () => {
  networks += 1;
  return `100.64.${(networks >> 8) & 255}.${networks & 255}`;
};
const answer = (call: Promise<unknown>): Promise<string> =>
  call.then(
    () => 'ok',
    async () => (await failure(call)).appCode ?? 'no appCode',
  );

interface CodePath {
  name: string;
  /** An account that really gets this path's codes, and the network its owner uses. */
  owner(ip: string): Promise<string>;
  request(ip: string, email: string): Promise<unknown>;
  enter(ip: string, email: string, code: string): Promise<unknown>;
  subject: RegExp;
}

/** A verified account, signed in once from `ip` (so `ip` is a network of its sessions). */
async function verifiedOwner(ip: string): Promise<string> {
  const { email } = await app.signUp();
  await from(ip).auth.login.mutate({ email, password: TEST_PASSWORD });
  return email;
}

/** A registered, unverified account whose registration mail was read. */
async function pendingOwner(ip: string): Promise<string> {
  const email = `pending-${randomUUID()}@example.com`;
  await from(ip).auth.register.mutate({ email, password: TEST_PASSWORD, name: 'Owner' });
  await app.mail(email, /verification code/);
  // Past the registration code's cooldown: what follows starts from a quiet email.
  advance(COOLDOWN_MS);
  return email;
}

const paths: CodePath[] = [
  {
    name: 'requestPasswordReset + resetPassword',
    owner: verifiedOwner,
    request: (ip, email) => from(ip).auth.requestPasswordReset.mutate({ email }),
    enter: (ip, email, code) =>
      from(ip).auth.resetPassword.mutate({ email, code, newPassword: 'a brand new password' }),
    subject: /reset code/,
  },
  {
    name: 'resendVerification + verifyEmail',
    owner: pendingOwner,
    request: (ip, email) => from(ip).auth.resendVerification.mutate({ email }),
    enter: (ip, email, code) => from(ip).auth.verifyEmail.mutate({ email, code }),
    subject: /verification code/,
  },
];

describe.each(paths)('$name', (path) => {
  it('strangers asking for the owner’s codes do not stop the owner getting one', async () => {
    const home = stranger();
    const email = await path.owner(home);
    // Five strangers ask at once (the old per-email limit was 5 an hour): one code goes out,
    // to the owner's mailbox.
    for (let i = 0; i < 5; i += 1) expect(await answer(path.request(stranger(), email))).toBe('ok');
    // The owner's own request is not refused; within the cooldown it sends nothing, and the
    // code in the mailbox, sent a moment ago, works.
    expect(await answer(path.request(home, email))).toBe('ok');
    const mailed = codeIn(await app.mail(email, path.subject));
    expect(await answer(path.enter(home, email, mailed))).toBe('ok');
  });

  it('one network asks for one email’s codes 5 times an hour; the owner’s network still can', async () => {
    const home = stranger();
    const email = await path.owner(home);
    const pest = stranger();
    const answers: string[] = [];
    for (let i = 0; i < 6; i += 1) answers.push(await answer(path.request(pest, email)));
    expect(answers).toEqual([...Array(5).fill('ok'), 'RATE_LIMITED']);
    expect(await answer(path.request(home, email))).toBe('ok');
  });

  it('a stranger’s wrong codes burn the live code at most: the owner asks again and gets in', async () => {
    const home = stranger();
    const email = await path.owner(home);
    await path.request(home, email);
    const code = codeIn(await app.mail(email, path.subject));
    const pest = stranger();
    const answers: string[] = [];
    for (let i = 0; i < 11; i += 1)
      answers.push(await answer(path.enter(pest, email, wrongCode(code))));
    // 5 attempts per code (then spent), 10 tries an hour from one network on one email.
    expect(answers).toEqual([
      ...Array(5).fill('OTP_INVALID'),
      ...Array(5).fill('OTP_ATTEMPTS_EXCEEDED'),
      'RATE_LIMITED',
    ]);
    // The owner's code is spent (the spec's 5 attempts per code) but the owner is not locked
    // out: a new code comes within the cooldown and works.
    expect(await answer(path.enter(home, email, code))).toBe('OTP_ATTEMPTS_EXCEEDED');
    advance(COOLDOWN_MS);
    expect(await answer(path.request(home, email))).toBe('ok');
    const fresh = codeIn(await app.mail(email, path.subject));
    expect(await answer(path.enter(home, email, fresh))).toBe('ok');
  });
});

describe('codes per email: a minute apart for three, then five minutes apart', () => {
  /** When the code of (email, purpose) was issued, as the table holds it (real or phantom). */
  const issuedAt = async (email: string) => {
    const row = await app.db.handle.db
      .selectFrom('otp_codes')
      .select(['created_at', 'expires_at'])
      .where('email_key', '=', otpEmailKey(TEST_JWT_SECRET, email))
      .where('purpose', '=', 'reset')
      .executeTakeFirstOrThrow();
    return row;
  };

  it('any number of networks get a known and an unknown email the same codes: 14 in an hour, each request finding a live one, then 3 quick ones again', async () => {
    const known = await verifiedOwner(stranger());
    const unknown = `nobody-${randomUUID()}@example.com`;
    const issued: Record<string, number[]> = { [known]: [], [unknown]: [] };
    const minutesLeft: number[] = [];
    const request = async (i: number) => {
      for (const email of [known, unknown]) {
        const before = await issuedAt(email).catch(() => undefined);
        expect(await answer(from(stranger()).auth.requestPasswordReset.mutate({ email }))).toBe(
          'ok',
        );
        const after = await issuedAt(email);
        if (after.created_at.getTime() !== before?.created_at.getTime()) issued[email]?.push(i);
        if (email === known)
          minutesLeft.push((after.expires_at.getTime() - now().getTime()) / 60_000);
      }
    };
    // A request every 61 s for (nearly) an hour, each from a network of its own.
    for (let i = 0; i < 58; i += 1) {
      await request(i);
      advance(COOLDOWN_MS);
    }
    // The next hour starts with three quick codes again.
    advance(5 * 60_000);
    for (let i = 100; i < 103; i += 1) {
      await request(i);
      advance(COOLDOWN_MS);
    }
    // Three codes a minute apart, then one each five minutes (the 61 s steps land on the 6th).
    const expected = [0, 1, 2, 7, 12, 17, 22, 27, 32, 37, 42, 47, 52, 57, 100, 101, 102];
    expect(issued[known]).toEqual(expected);
    expect(issued[unknown]).toEqual(expected);
    // A request that sent nothing found a code mailed at most five minutes before.
    expect(Math.min(...minutesLeft)).toBeGreaterThanOrEqual(5 - 0.1);
    // The mails: one per code, nothing for the unknown email.
    const mails = await app.db.handle.db
      .selectFrom('outbox')
      .select(({ fn }) => fn.countAll<string>().as('n'))
      .where('topic', '=', 'user.password_reset_requested')
      .where(sql<string>`payload->>'email'`, 'in', [known, unknown])
      .executeTakeFirstOrThrow();
    expect(Number(mails.n)).toBe(expected.length);
  }, 120_000);
});

describe('the ceiling on codes typed for one email', () => {
  it('reset: 30 wrong codes an hour from all networks together, an unknown email alike; the owner’s network still resets', async () => {
    const home = stranger();
    const email = await verifiedOwner(home);
    const unknown = `nobody-${randomUUID()}@example.com`;
    await from(home).auth.requestPasswordReset.mutate({ email });
    const code = codeIn(await app.mail(email, /reset code/));
    const reset = (ip: string, target: string, guess: string) =>
      answer(
        from(ip).auth.resetPassword.mutate({
          email: target,
          code: guess,
          newPassword: 'new pass 1234',
        }),
      );
    const guess = async (target: string) => {
      const answers: string[] = [];
      // Three networks, 10 each: within each one's own limit.
      for (let n = 0; n < 3; n += 1) {
        const ip = stranger();
        for (let i = 0; i < 10; i += 1) answers.push(await reset(ip, target, wrongCode(code)));
      }
      // A fourth network finds the email's ceiling spent.
      answers.push(await reset(stranger(), target, wrongCode(code)));
      return answers;
    };
    const [forKnown, forUnknown] = await Promise.all([guess(email), guess(unknown)]);
    expect(forKnown).toEqual([
      ...Array(5).fill('OTP_INVALID'),
      ...Array(25).fill('OTP_ATTEMPTS_EXCEEDED'),
      'RATE_LIMITED',
    ]);
    expect(forUnknown).toEqual(forKnown);
    // The code was spent by the strangers; the owner asks again from home and resets from there,
    // past the ceiling. From a network the account never used, the owner waits like anyone.
    advance(COOLDOWN_MS);
    await from(home).auth.requestPasswordReset.mutate({ email });
    const fresh = codeIn(await app.mail(email, /reset code/));
    const limited = await expectAppCode(
      from(stranger()).auth.resetPassword.mutate({
        email,
        code: fresh,
        newPassword: 'x'.repeat(12),
      }),
      'RATE_LIMITED',
    );
    expect(limited.details?.retryAfterSeconds).toBeGreaterThan(0);
    expect(limited.details?.retryAfterSeconds).toBeLessThanOrEqual(3600);
    expect(await reset(home, email, fresh)).toBe('ok');
  }, 60_000);
});
