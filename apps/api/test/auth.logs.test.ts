import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { captureLog } from './capture-log.js';
import { codeIn, startTestApp, TEST_JWT_SECRET, TEST_PASSWORD, type TestApp } from './harness.js';

// Every log line of a full account lifecycle — API, services, platform and worker (which mails
// the codes), at debug level — is searched for every secret the run handled.
describe('auth logs', () => {
  const captured = captureLog();
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ log: captured.log });
  });
  afterAll(async () => app?.close());

  it('never contain a password, token, code or hash', async () => {
    const email = `logs-${Date.now()}@example.com`;
    const secrets = new Set<string>([TEST_JWT_SECRET, TEST_PASSWORD]);
    const codes = new Set<string>();
    const anonymous = app.client(undefined, { 'user-agent': 'log-test' });

    await anonymous.auth.register.mutate({ email, password: TEST_PASSWORD, name: 'Logan' });
    const code = codeIn(await app.mail(email, /verification code/));
    codes.add(code);
    await expectAppCode(
      anonymous.auth.verifyEmail.mutate({ email, code: code === '000000' ? '111111' : '000000' }),
      'OTP_INVALID',
    );
    await anonymous.auth.verifyEmail.mutate({ email, code });
    await expectAppCode(
      anonymous.auth.login.mutate({ email, password: 'not the password at all' }),
      'INVALID_CREDENTIALS',
    );
    const first = await anonymous.auth.login.mutate({ email, password: TEST_PASSWORD });
    const second = await anonymous.auth.refresh.mutate({ refreshToken: first.refreshToken });
    const signedIn = app.client(second.accessToken);
    await signedIn.auth.me.query();
    const changed = 'a changed password 42';
    secrets.add(changed);
    await signedIn.auth.changePassword.mutate({
      currentPassword: TEST_PASSWORD,
      newPassword: changed,
    });
    await signedIn.auth.logout.mutate();
    await expectAppCode(signedIn.auth.me.query(), 'SESSION_REVOKED');

    // Reset path and a refresh-token replay (which the service logs as a warning).
    await anonymous.auth.requestPasswordReset.mutate({ email });
    const resetCode = codeIn(await app.mail(email, /reset/i));
    codes.add(resetCode);
    const reset = 'a reset password 1234';
    secrets.add(reset);
    await anonymous.auth.resetPassword.mutate({ email, code: resetCode, newPassword: reset });
    const third = await anonymous.auth.login.mutate({ email, password: reset });
    const fourth = await anonymous.auth.refresh.mutate({ refreshToken: third.refreshToken });
    await expectAppCode(
      anonymous.auth.refresh.mutate({ refreshToken: third.refreshToken }),
      'REFRESH_TOKEN_REUSED',
    );
    await app.mail(email, /password/i);

    for (const pair of [first, second, third, fourth]) {
      // The refresh token's random part also without its `evr_` prefix.
      for (const token of [pair.accessToken, pair.refreshToken, pair.refreshToken.slice(4)]) {
        secrets.add(token);
        secrets.add(createHash('sha256').update(token).digest('hex'));
      }
      // A signature alone is enough to forge nothing, but it has no business in a log either.
      const signature = pair.accessToken.split('.')[2];
      if (signature) secrets.add(signature);
    }
    // The stored hashes themselves (argon2 for passwords, HMAC for codes).
    const db = app.db.handle.db;
    for (const row of await db.selectFrom('users').select('password_hash').execute()) {
      secrets.add(row.password_hash);
    }
    for (const row of await db.selectFrom('otp_codes').select('code_hash').execute()) {
      secrets.add(row.code_hash);
    }
    for (const row of await db
      .selectFrom('session_refresh_tokens')
      .select('token_hash')
      .execute()) {
      secrets.add(row.token_hash);
    }

    const lines = captured.lines();
    const text = lines.map((line) => JSON.stringify(line));

    // Not vacuous: the request lines of this run, and the service's own warning, are there.
    // (Request lines log the path only: never a GET's ?input=.)
    const paths = lines.map((line) => (line.req as { path?: string } | undefined)?.path);
    for (const path of ['auth.register', 'auth.login', 'auth.refresh', 'auth.me', 'auth.logout']) {
      expect(paths.some((logged) => logged?.includes(path))).toBe(true);
    }
    expect(lines.some((line) => line.msg === 'request completed')).toBe(true);
    expect(lines.some((line) => line.msg === 'refresh token reuse; session revoked')).toBe(true);
    expect(secrets.size).toBeGreaterThan(20);

    const leaks: string[] = [];
    for (const line of text) {
      if (line.includes('$argon2')) leaks.push(`argon2 hash: ${line}`);
      for (const secret of secrets) if (line.includes(secret)) leaks.push(`secret: ${line}`);
      // A code counts only as a whole number, not as digits inside a timestamp.
      for (const c of codes) if (new RegExp(`(?<!\\d)${c}(?!\\d)`).test(line)) leaks.push(line);
      // Nothing shaped like a token either, whoever issued it.
      if (/evr_[\w-]{20,}|eyJ[\w-]+\.eyJ[\w-]+/.test(line)) leaks.push(`token-like: ${line}`);
    }
    expect(leaks).toEqual([]);
  });
});
