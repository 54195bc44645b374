import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode, failure } from './app-error.js';
import { codeIn, startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';
import { callRaw } from './router-procedures.js';

const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');

// Email enumeration over raw HTTP: known and unknown emails get byte-identical answers from the
// code-sending procedures, and the code-checking ones answer an unknown email like a wrong code.
describe('auth: email enumeration', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => app?.close());

  it('register, resendVerification and requestPasswordReset answer byte-identical bodies for known and unknown emails', async () => {
    const { email: known } = await app.signUp();
    const unknown = `nobody-${randomUUID()}@example.com`;
    const cases: [string, (email: string) => unknown][] = [
      ['auth.register', (email) => ({ email, password: TEST_PASSWORD, name: 'Probe' })],
      ['auth.resendVerification', (email) => ({ email })],
      ['auth.requestPasswordReset', (email) => ({ email })],
    ];
    for (const [path, input] of cases) {
      const forKnown = await callRaw(app.url, { path, type: 'mutation' }, input(known), {
        'x-forwarded-for': '10.250.0.1',
      });
      const forUnknown = await callRaw(app.url, { path, type: 'mutation' }, input(unknown), {
        'x-forwarded-for': '10.250.0.2',
      });
      expect(forKnown.status).toBe(200);
      expect({ path, ...forUnknown }).toEqual({ path, ...forKnown });
      expect(JSON.parse(forKnown.body)).toEqual({ result: { data: { ok: true } } });
    }
  });

  it('verifyEmail and resetPassword answer an unknown email like a wrong code', async () => {
    const { email: known } = await app.signUp();
    const unknown = `nobody-${randomUUID()}@example.com`;
    const client = app.client();
    await client.auth.requestPasswordReset.mutate({ email: known });
    const code = codeIn(await app.mail(known, /reset/i));
    const reset = (email: string) =>
      client.auth.resetPassword.mutate({
        email,
        code: wrongCode(code),
        newPassword: 'brand new password',
      });
    await expectAppCode(reset(known), 'OTP_INVALID');
    await expectAppCode(reset(unknown), 'OTP_INVALID');

    const fresh = `fresh-${randomUUID()}@example.com`;
    await client.auth.register.mutate({ email: fresh, password: TEST_PASSWORD, name: 'New' });
    const verifyCode = codeIn(await app.mail(fresh, /verification code/));
    await expectAppCode(
      client.auth.verifyEmail.mutate({ email: fresh, code: wrongCode(verifyCode) }),
      'OTP_INVALID',
    );
    await expectAppCode(
      client.auth.verifyEmail.mutate({ email: unknown, code: verifyCode }),
      'OTP_INVALID',
    );
    // The known account was not changed by any of this.
    await app.client().auth.login.mutate({ email: known, password: TEST_PASSWORD });
  });

  it('wrong codes run out the same way for an unknown, a verified and a pending email', async () => {
    const { email: verified } = await app.signUp();
    const pending = `pending-${randomUUID()}@example.com`;
    await app.client().auth.register.mutate({ email: pending, password: TEST_PASSWORD, name: 'P' });
    const code = codeIn(await app.mail(pending, /verification code/));
    const unknown = `nobody-${randomUUID()}@example.com`;
    const answers = async (email: string) => {
      const codes: (string | undefined)[] = [];
      for (let i = 0; i < 6; i++) {
        const data = await failure(
          app.client().auth.verifyEmail.mutate({ email, code: wrongCode(code) }),
        );
        codes.push(data.appCode);
      }
      return codes;
    };
    const expected = [...Array(5).fill('OTP_INVALID'), 'OTP_ATTEMPTS_EXCEEDED'];
    expect(await answers(pending)).toEqual(expected);
    expect(await answers(unknown)).toEqual(expected);
    expect(await answers(verified)).toEqual(expected);
  });
});
