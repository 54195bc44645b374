import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode, failure } from './app-error.js';
import { codeIn, startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';

const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');

// A one-time code's limits over HTTP: five attempts, also under parallel guesses, a resend
// cooldown, and an expiry.
describe('auth: one-time code limits', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => app?.close());

  async function userIdOf(email: string): Promise<string> {
    const row = await app.db.handle.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email.toLowerCase())
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** A registered, unverified account and the code mailed to it. */
  async function registered(): Promise<{ email: string; code: string; userId: string }> {
    const email = `otp-${randomUUID()}@example.com`;
    await app.client().auth.register.mutate({ email, password: TEST_PASSWORD, name: 'Otto' });
    const code = codeIn(await app.mail(email, /verification code/));
    return { email, code, userId: await userIdOf(email) };
  }

  const otpRows = (userId: string) =>
    app.db.handle.db
      .selectFrom('otp_codes')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();

  it('after 5 wrong attempts even the right code is refused until a new code is sent', async () => {
    const { email, code, userId } = await registered();
    const client = app.client();
    for (let i = 0; i < 5; i += 1) {
      await expectAppCode(
        client.auth.verifyEmail.mutate({ email, code: wrongCode(code) }),
        'OTP_INVALID',
      );
    }
    await expectAppCode(client.auth.verifyEmail.mutate({ email, code }), 'OTP_ATTEMPTS_EXCEEDED');
    // Within the 60 s cooldown a resend sends nothing new: the spent code stays spent.
    await client.auth.resendVerification.mutate({ email });
    expect(await otpRows(userId)).toHaveLength(1);
    await expectAppCode(client.auth.verifyEmail.mutate({ email, code }), 'OTP_ATTEMPTS_EXCEEDED');

    // The cooldown is real time: rather than sleep 60 s, the code is backdated in the database.
    await app.db.handle.db
      .updateTable('otp_codes')
      .set({ created_at: new Date(Date.now() - 120_000) })
      .where('user_id', '=', userId)
      .execute();
    await client.auth.resendVerification.mutate({ email });
    const fresh = codeIn(await app.mail(email, /verification code/));
    expect(await client.auth.verifyEmail.mutate({ email, code: fresh })).toEqual({
      verified: true,
    });
  });

  it('10 parallel wrong guesses take at most 5 attempts in total', async () => {
    const { email, code, userId } = await registered();
    const guesses = Array.from({ length: 10 }, (_, i) => {
      let guess = String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');
      if (guess === code) guess = wrongCode(code);
      return failure(app.client().auth.verifyEmail.mutate({ email, code: guess }));
    });
    const codes = (await Promise.all(guesses)).map((d) => d.appCode).sort();
    expect(codes).toEqual([
      ...Array(5).fill('OTP_ATTEMPTS_EXCEEDED'),
      ...Array(5).fill('OTP_INVALID'),
    ]);
    const [otp] = await otpRows(userId);
    expect(otp?.attempts).toBe(5);
    expect(otp?.consumed_at).toBeNull();
  });

  it('an expired code is OTP_EXPIRED, even the right one', async () => {
    const { email, code, userId } = await registered();
    // Ten minutes are real time too: the code's expiry is moved into the past instead.
    await app.db.handle.db
      .updateTable('otp_codes')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('user_id', '=', userId)
      .execute();
    await expectAppCode(app.client().auth.verifyEmail.mutate({ email, code }), 'OTP_EXPIRED');
    await expectAppCode(
      app.client().auth.login.mutate({ email, password: TEST_PASSWORD }),
      'EMAIL_NOT_VERIFIED',
    );
  });
});
