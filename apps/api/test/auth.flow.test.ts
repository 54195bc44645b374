import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { codeIn, startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';

// Every auth procedure's success path and the appCodes it returns, over HTTP through the SDK,
// on real Postgres, Redis and SMTP. The attacks are in auth.token-forgery, auth.ended-sessions,
// auth.access, auth.login-limits, auth.enumeration and auth.otp-limits.
describe('auth flows', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => app?.close());

  const newEmail = () => `flow-${randomUUID()}@Example.com`;

  it('registers, mails a code, verifies, welcomes, and only then lets the user log in', async () => {
    const email = newEmail();
    const anonymous = app.client();
    expect(
      await anonymous.auth.register.mutate({ email, password: TEST_PASSWORD, name: 'Ada' }),
    ).toEqual({
      ok: true,
    });
    const codeMail = await app.mail(email.toLowerCase(), /verification code/);
    await expectAppCode(
      anonymous.auth.login.mutate({ email, password: TEST_PASSWORD }),
      'EMAIL_NOT_VERIFIED',
    );
    await expectAppCode(
      anonymous.auth.verifyEmail.mutate({
        email,
        code: '000000' === codeIn(codeMail) ? '111111' : '000000',
      }),
      'OTP_INVALID',
    );
    expect(await anonymous.auth.verifyEmail.mutate({ email, code: codeIn(codeMail) })).toEqual({
      verified: true,
    });
    await app.mail(email.toLowerCase(), /Welcome/);
    // A used code does not work twice.
    await expectAppCode(
      anonymous.auth.verifyEmail.mutate({ email, code: codeIn(codeMail) }),
      'OTP_INVALID',
    );

    const tokens = await anonymous.auth.login.mutate({
      email: email.toUpperCase(),
      password: TEST_PASSWORD,
    });
    expect(tokens.user).toMatchObject({
      email: email.toLowerCase(),
      name: 'Ada',
      role: 'user',
      emailVerified: true,
      active: true,
    });
    expect(tokens.refreshToken).toMatch(/^evr_/);
    expect(new Date(tokens.accessTokenExpiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(new Date(tokens.refreshTokenExpiresAt).getTime()).toBeGreaterThan(
      new Date(tokens.accessTokenExpiresAt).getTime(),
    );
    expect(await app.client(tokens.accessToken).auth.me.query()).toEqual(tokens.user);
  });

  it('answers a second registration of an email with a notice mail, not a code', async () => {
    const { email } = await app.signUp();
    expect(
      await app
        .client()
        .auth.register.mutate({ email, password: 'another password 1', name: 'Eve' }),
    ).toEqual({
      ok: true,
    });
    const notice = await app.mail(email, /already have/);
    expect(notice.text).not.toMatch(/\b\d{6}\b/);
    // The original password still works; nothing was changed.
    await app.client().auth.login.mutate({ email, password: TEST_PASSWORD });
  });

  it('resends a verification code that replaces the old one', async () => {
    const email = newEmail();
    const anonymous = app.client();
    await anonymous.auth.register.mutate({ email, password: TEST_PASSWORD, name: 'Bo' });
    const first = codeIn(await app.mail(email.toLowerCase(), /verification code/));
    // Within the 60 s cooldown the answer is the same but no mail goes out: backdate the code.
    await app.db.handle.db
      .updateTable('otp_codes')
      .set({ created_at: new Date(Date.now() - 61_000) })
      .execute();
    expect(await anonymous.auth.resendVerification.mutate({ email })).toEqual({ ok: true });
    const second = codeIn(await app.mail(email.toLowerCase(), /verification code/));
    if (first !== second) {
      await expectAppCode(anonymous.auth.verifyEmail.mutate({ email, code: first }), 'OTP_INVALID');
    }
    expect(await anonymous.auth.verifyEmail.mutate({ email, code: second })).toEqual({
      verified: true,
    });
  });

  it('refuses a wrong password and an unknown email alike', async () => {
    const { email } = await app.signUp();
    await expectAppCode(
      app.client().auth.login.mutate({ email, password: 'wrong password!' }),
      'INVALID_CREDENTIALS',
    );
    await expectAppCode(
      app.client().auth.login.mutate({ email: newEmail(), password: TEST_PASSWORD }),
      'INVALID_CREDENTIALS',
    );
  });

  it('rotates refresh tokens: the new pair works, the old refresh token is dead', async () => {
    const user = await app.signUp();
    const next = await app.client().auth.refresh.mutate({ refreshToken: user.tokens.refreshToken });
    expect(next.refreshToken).not.toBe(user.tokens.refreshToken);
    expect(next.user.id).toBe(user.tokens.user.id);
    expect((await app.client(next.accessToken).auth.me.query()).id).toBe(user.tokens.user.id);
    await expectAppCode(
      app.client().auth.refresh.mutate({ refreshToken: 'evr_not-a-token' }),
      'UNAUTHENTICATED',
    );
  });

  it('logs out: the session ends for access and refresh at once', async () => {
    const user = await app.signUp();
    expect(await user.client.auth.logout.mutate()).toEqual({ ok: true });
    await expectAppCode(user.client.auth.me.query(), 'SESSION_REVOKED');
    await expectAppCode(
      app.client().auth.refresh.mutate({ refreshToken: user.tokens.refreshToken }),
      'SESSION_REVOKED',
    );
    await expectAppCode(app.client().auth.me.query(), 'UNAUTHENTICATED');
  });

  it('updates the profile name', async () => {
    const user = await app.signUp();
    expect((await user.client.auth.updateProfile.mutate({ name: '  Grace  ' })).name).toBe('Grace');
    expect((await user.client.auth.me.query()).name).toBe('Grace');
    await expectAppCode(
      user.client.auth.updateProfile.mutate({ name: '   ' }),
      'VALIDATION_FAILED',
    );
  });

  it('changes the password: other sessions end, this one stays, a mail is sent', async () => {
    const user = await app.signUp();
    const other = await app
      .client()
      .auth.login.mutate({ email: user.email, password: TEST_PASSWORD });
    await expectAppCode(
      user.client.auth.changePassword.mutate({
        currentPassword: 'not my password',
        newPassword: 'a new password 42',
      }),
      'INVALID_CREDENTIALS',
    );
    await expectAppCode(
      user.client.auth.changePassword.mutate({
        currentPassword: TEST_PASSWORD,
        newPassword: 'short',
      }),
      'VALIDATION_FAILED',
    );
    expect(
      await user.client.auth.changePassword.mutate({
        currentPassword: TEST_PASSWORD,
        newPassword: 'a new password 42',
      }),
    ).toEqual({ ok: true });
    await app.mail(user.email, /password was changed/);
    expect((await user.client.auth.me.query()).email).toBe(user.email);
    await expectAppCode(app.client(other.accessToken).auth.me.query(), 'SESSION_REVOKED');
    await expectAppCode(
      app.client().auth.login.mutate({ email: user.email, password: TEST_PASSWORD }),
      'INVALID_CREDENTIALS',
    );
    await app.client().auth.login.mutate({ email: user.email, password: 'a new password 42' });
  });

  it('resets a forgotten password with a mailed code: every session ends', async () => {
    const user = await app.signUp();
    const anonymous = app.client();
    expect(await anonymous.auth.requestPasswordReset.mutate({ email: user.email })).toEqual({
      ok: true,
    });
    const code = codeIn(await app.mail(user.email, /reset code/));
    await expectAppCode(
      anonymous.auth.resetPassword.mutate({
        email: user.email,
        code: code === '123456' ? '654321' : '123456',
        newPassword: 'reset password 77',
      }),
      'OTP_INVALID',
    );
    expect(
      await anonymous.auth.resetPassword.mutate({
        email: user.email,
        code,
        newPassword: 'reset password 77',
      }),
    ).toEqual({
      ok: true,
    });
    await app.mail(user.email, /password was changed/);
    await expectAppCode(user.client.auth.me.query(), 'SESSION_REVOKED');
    await expectAppCode(
      anonymous.auth.refresh.mutate({ refreshToken: user.tokens.refreshToken }),
      'SESSION_REVOKED',
    );
    await anonymous.auth.login.mutate({ email: user.email, password: 'reset password 77' });
  });

  it('lists the sessions of the caller, marks the current one, and revokes one', async () => {
    const user = await app.signUp();
    const second = await app
      .client(undefined, { 'user-agent': 'second-device/1.0' })
      .auth.login.mutate({
        email: user.email,
        password: TEST_PASSWORD,
      });
    const sessions = await user.client.auth.sessions.list.query();
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const other = sessions.find((s) => !s.current);
    expect(other?.userAgent).toBe('second-device/1.0');
    expect(other?.ip).toMatch(/^10\./);
    expect(await user.client.auth.sessions.revoke.mutate({ sessionId: other?.id ?? '' })).toEqual({
      ok: true,
    });
    await expectAppCode(app.client(second.accessToken).auth.me.query(), 'SESSION_REVOKED');
    expect(await user.client.auth.sessions.list.query()).toHaveLength(1);
    await expectAppCode(
      user.client.auth.sessions.revoke.mutate({ sessionId: randomUUID() }),
      'NOT_FOUND',
    );
  });

  describe('admin user management', () => {
    it('lists users with search, role filter and keyset pages', async () => {
      const admin = await app.admin();
      const tag = randomUUID().slice(0, 8);
      for (let i = 0; i < 5; i++) await app.signUp({ email: `page-${tag}-${i}@example.com` });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof admin.client.auth.users.list.query>> =
          await admin.client.auth.users.list.query({
            q: tag,
            limit: 2,
            ...(cursor ? { cursor } : {}),
          });
        seen.push(...page.items.map((u) => u.email));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(5);
      expect(new Set(seen).size).toBe(5);
      const admins = await admin.client.auth.users.list.query({ role: 'admin' });
      expect(admins.items.every((u) => u.role === 'admin')).toBe(true);
      expect(admins.items.map((u) => u.email)).toContain(admin.email);
      await expectAppCode(
        admin.client.auth.users.list.query({ cursor: 'garbage!' }),
        'VALIDATION_FAILED',
      );
    });

    it('sets roles, taking effect on the next request', async () => {
      const admin = await app.admin();
      const user = await app.signUp();
      const updated = await admin.client.auth.users.setRole.mutate({
        userId: user.tokens.user.id,
        role: 'organizer',
      });
      expect(updated.role).toBe('organizer');
      expect((await user.client.auth.me.query()).role).toBe('organizer');
      await expectAppCode(
        admin.client.auth.users.setRole.mutate({ userId: randomUUID(), role: 'user' }),
        'NOT_FOUND',
      );
    });

    it('deactivates and reactivates accounts', async () => {
      const admin = await app.admin();
      const user = await app.signUp();
      const off = await admin.client.auth.users.setActive.mutate({
        userId: user.tokens.user.id,
        active: false,
      });
      expect(off.active).toBe(false);
      await expectAppCode(user.client.auth.me.query(), 'SESSION_REVOKED');
      await expectAppCode(
        app.client().auth.login.mutate({ email: user.email, password: TEST_PASSWORD }),
        'ACCOUNT_DISABLED',
      );
      await admin.client.auth.users.setActive.mutate({ userId: user.tokens.user.id, active: true });
      await app.client().auth.login.mutate({ email: user.email, password: TEST_PASSWORD });
      await expectAppCode(
        admin.client.auth.users.setActive.mutate({ userId: randomUUID(), active: false }),
        'NOT_FOUND',
      );
    });
  });

  it('answers malformed input with VALIDATION_FAILED and changes nothing', async () => {
    const email = newEmail();
    await expectAppCode(
      app
        .client()
        .auth.register.mutate({ email: 'not-an-email', password: TEST_PASSWORD, name: 'X' }),
      'VALIDATION_FAILED',
    );
    await expectAppCode(
      app.client().auth.register.mutate({ email, password: 'short', name: 'X' }),
      'VALIDATION_FAILED',
    );
    await expectAppCode(
      app.client().auth.verifyEmail.mutate({ email, code: '12ab56' }),
      'VALIDATION_FAILED',
    );
    const found = await app.db.handle.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email.toLowerCase())
      .execute();
    expect(found).toEqual([]);
  });
});
