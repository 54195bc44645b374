import { randomUUID } from 'node:crypto';
import type { TokenPair } from '@evently/contracts';
import {
  base64url,
  type CryptoKey,
  decodeJwt,
  exportSPKI,
  generateKeyPair,
  type JWTHeaderParameters,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/router.js';
import { ACCESS, type AccessClass, pathsOf } from './access-classes.js';
import { expectAppCode, failure } from './app-error.js';
import { codeIn, startTestApp, TEST_JWT_SECRET, TEST_PASSWORD, type TestApp } from './harness.js';

// The negative security suite of issue 3 (the login ceiling across networks, IPv6 networks and
// changePassword's limits are in auth.rate-limits.test.ts): every attack over real HTTP (SDK, or raw fetch where
// the SDK cannot say it), on real Postgres, Redis and SMTP, each answered with an exact appCode.

const secret = new TextEncoder().encode(TEST_JWT_SECRET);
const nowSeconds = () => Math.floor(Date.now() / 1000);
const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');

/** Signs `claims` as the server would (HS256, typ at+jwt, the test secret) unless told otherwise. */
function sign(
  claims: JWTPayload,
  options: { header?: JWTHeaderParameters; key?: Uint8Array | CryptoKey } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader(options.header ?? { alg: 'HS256', typ: 'at+jwt' })
    .sign(options.key ?? secret);
}

/** The claims of a real access token, with a fresh jti: the starting point of every forgery. */
function claimsOf(accessToken: string): JWTPayload {
  return { ...decodeJwt(accessToken), jti: randomUUID() };
}

interface RawAnswer {
  status: number;
  body: string;
  appCode: string | undefined;
}

/** One tRPC call over plain fetch (no batching), for what the SDK cannot express. */
async function raw(
  url: string,
  path: string,
  type: 'query' | 'mutation',
  input: unknown,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const encoded = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res =
    type === 'query'
      ? await fetch(`${url}/trpc/${path}${encoded}`, { headers })
      : await fetch(`${url}/trpc/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          ...(input === undefined ? {} : { body: JSON.stringify(input) }),
        });
  const body = await res.text();
  const parsed = JSON.parse(body) as { error?: { data?: { appCode?: string } } };
  return { status: res.status, body, appCode: parsed.error?.data?.appCode };
}

async function userIdOf(app: TestApp, email: string): Promise<string> {
  const row = await app.db.handle.db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email.toLowerCase())
    .executeTakeFirstOrThrow();
  return row.id;
}

describe('auth security', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => app?.close());

  describe('access tokens', () => {
    let user: { email: string; tokens: TokenPair };
    beforeAll(async () => {
      user = await app.signUp();
    });
    const me = (token: string) => app.client(token).auth.me.query();

    it('accepts a token forged with the right secret and claims (so the rejections below are not vacuous)', async () => {
      const token = await sign(claimsOf(user.tokens.accessToken));
      expect((await me(token)).email).toBe(user.email);
    });

    it('refuses a refresh token used as an access token', async () => {
      await expectAppCode(me(user.tokens.refreshToken), 'UNAUTHENTICATED');
    });

    it('refuses an access token used as a refresh token, and the session lives on', async () => {
      await expectAppCode(
        app.client().auth.refresh.mutate({ refreshToken: user.tokens.accessToken }),
        'UNAUTHENTICATED',
      );
      expect((await me(user.tokens.accessToken)).email).toBe(user.email);
      const rotated = await app
        .client()
        .auth.refresh.mutate({ refreshToken: user.tokens.refreshToken });
      user = { ...user, tokens: rotated };
    });

    it("refuses alg 'none'", async () => {
      const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }));
      const payload = base64url.encode(JSON.stringify(claimsOf(user.tokens.accessToken)));
      await expectAppCode(me(`${header}.${payload}.`), 'UNAUTHENTICATED');
      // Some parsers want a signature segment; give it one.
      await expectAppCode(me(`${header}.${payload}.${base64url.encode('x')}`), 'UNAUTHENTICATED');
    });

    it('refuses HS/RS confusion: an RS256 token, and an HS256 token keyed with the public key', async () => {
      const claims = claimsOf(user.tokens.accessToken);
      const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
      const rs = await sign(claims, { header: { alg: 'RS256', typ: 'at+jwt' }, key: privateKey });
      await expectAppCode(me(rs), 'UNAUTHENTICATED');
      const publicPem = new TextEncoder().encode(await exportSPKI(publicKey));
      const confused = await sign(claims, { key: publicPem });
      await expectAppCode(me(confused), 'UNAUTHENTICATED');
    });

    it('refuses a wrong issuer, audience or type', async () => {
      const claims = claimsOf(user.tokens.accessToken);
      await expectAppCode(me(await sign({ ...claims, iss: 'evil' })), 'UNAUTHENTICATED');
      await expectAppCode(me(await sign({ ...claims, aud: 'another-api' })), 'UNAUTHENTICATED');
      // Wrong header typ, and wrong claim typ.
      await expectAppCode(
        me(await sign(claims, { header: { alg: 'HS256', typ: 'JWT' } })),
        'UNAUTHENTICATED',
      );
      await expectAppCode(me(await sign({ ...claims, typ: 'refresh' })), 'UNAUTHENTICATED');
    });

    it('answers an expired token with TOKEN_EXPIRED', async () => {
      const claims = claimsOf(user.tokens.accessToken);
      const expired = await sign({ ...claims, iat: nowSeconds() - 3600, exp: nowSeconds() - 60 });
      await expectAppCode(me(expired), 'TOKEN_EXPIRED');
    });

    it('refuses a tampered signature', async () => {
      const [header, payload, signature = ''] = user.tokens.accessToken.split('.');
      // Change the first signature character (the last one may only carry padding bits).
      const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
      await expectAppCode(me(`${header}.${payload}.${flipped}`), 'UNAUTHENTICATED');
    });

    it('refuses a tampered payload (role escalated to admin, same signature)', async () => {
      const [header, payload = '', signature] = user.tokens.accessToken.split('.');
      const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as JWTPayload;
      const escalated = base64url.encode(JSON.stringify({ ...claims, role: 'admin' }));
      // UNAUTHENTICATED, not FORBIDDEN: the signature check refused it, not the role check.
      await expectAppCode(
        app.client(`${header}.${escalated}.${signature}`).auth.users.list.query({}),
        'UNAUTHENTICATED',
      );
    });

    it("refuses a validly signed token whose subject is not its session's user", async () => {
      const admin = await app.admin();
      const claims = claimsOf(user.tokens.accessToken);
      const token = await sign({ ...claims, sub: admin.tokens.user.id });
      await expectAppCode(me(token), 'UNAUTHENTICATED');
    });
  });

  describe('sessions that ended', () => {
    it('a logged-out session: its access token and refresh token stop at once', async () => {
      const { tokens, client } = await app.signUp();
      expect(await client.auth.logout.mutate()).toEqual({ ok: true });
      await expectAppCode(client.auth.me.query(), 'SESSION_REVOKED');
      await expectAppCode(
        app.client().auth.refresh.mutate({ refreshToken: tokens.refreshToken }),
        'SESSION_REVOKED',
      );
    });

    it('a session revoked from another session of the same user', async () => {
      const { email, client: first } = await app.signUp();
      const second = await app.client().auth.login.mutate({ email, password: TEST_PASSWORD });
      const sessions = await first.auth.sessions.list.query();
      const other = sessions.find((s) => !s.current);
      expect(sessions).toHaveLength(2);
      if (!other) throw new Error('second session not listed');
      expect(await first.auth.sessions.revoke.mutate({ sessionId: other.id })).toEqual({
        ok: true,
      });
      await expectAppCode(app.client(second.accessToken).auth.me.query(), 'SESSION_REVOKED');
      expect((await first.auth.me.query()).email).toBe(email);
    });

    it('a deactivated user: old access token SESSION_REVOKED, refresh refused, login ACCOUNT_DISABLED', async () => {
      const { email, tokens, client } = await app.signUp();
      const admin = await app.admin();
      await admin.client.auth.users.setActive.mutate({ userId: tokens.user.id, active: false });
      await expectAppCode(client.auth.me.query(), 'SESSION_REVOKED');
      await expectAppCode(
        app.client().auth.refresh.mutate({ refreshToken: tokens.refreshToken }),
        'SESSION_REVOKED',
      );
      await expectAppCode(
        app.client().auth.login.mutate({ email, password: TEST_PASSWORD }),
        'ACCOUNT_DISABLED',
      );
    });

    it('a demoted admin is FORBIDDEN an admin procedure on the very next call with the old token', async () => {
      const demoted = await app.signUp({ role: 'admin' });
      expect((await demoted.client.auth.users.list.query({ limit: 1 })).items).toHaveLength(1);
      const admin = await app.admin();
      await admin.client.auth.users.setRole.mutate({
        userId: demoted.tokens.user.id,
        role: 'user',
      });
      await expectAppCode(demoted.client.auth.users.list.query({}), 'FORBIDDEN');
      // Still signed in, just no longer an admin.
      expect((await demoted.client.auth.me.query()).role).toBe('user');
    });
  });

  describe('refresh tokens', () => {
    it('a replayed refresh token revokes the whole family: the rotated-in token and its access token die too', async () => {
      const { tokens } = await app.signUp();
      const anonymous = app.client();
      const rotated = await anonymous.auth.refresh.mutate({ refreshToken: tokens.refreshToken });
      expect((await app.client(rotated.accessToken).auth.me.query()).id).toBe(tokens.user.id);

      await expectAppCode(
        anonymous.auth.refresh.mutate({ refreshToken: tokens.refreshToken }),
        'REFRESH_TOKEN_REUSED',
      );
      await expectAppCode(
        anonymous.auth.refresh.mutate({ refreshToken: rotated.refreshToken }),
        'SESSION_REVOKED',
      );
      await expectAppCode(app.client(rotated.accessToken).auth.me.query(), 'SESSION_REVOKED');
    });

    it('of two concurrent refreshes with one token exactly one wins; the loser is a reuse', async () => {
      const { tokens } = await app.signUp();
      const results = await Promise.allSettled(
        [app.client(), app.client()].map((c) =>
          c.auth.refresh.mutate({ refreshToken: tokens.refreshToken }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      await expectAppCode(Promise.reject(lost[0]?.reason), 'REFRESH_TOKEN_REUSED');
      // A token presented twice is treated as stolen, whoever came first: the family is revoked,
      // the winner's new pair included.
      const winner = won[0]?.value;
      if (!winner) throw new Error('no winner');
      await expectAppCode(
        app.client().auth.refresh.mutate({ refreshToken: winner.refreshToken }),
        'SESSION_REVOKED',
      );
      await expectAppCode(app.client(winner.accessToken).auth.me.query(), 'SESSION_REVOKED');
      const rows = await app.db.handle.db
        .selectFrom('session_refresh_tokens')
        .select('generation')
        .innerJoin('sessions', 'sessions.id', 'session_refresh_tokens.session_id')
        .where('sessions.user_id', '=', tokens.user.id)
        .execute();
      // One rotation happened, not two.
      expect(rows.map((r) => r.generation).sort()).toEqual([0, 1]);
    });
  });

  describe('other users, roles and procedures', () => {
    it("a user can neither see nor revoke another user's session, which keeps working", async () => {
      const alice = await app.signUp();
      const bob = await app.signUp();
      const [bobSession] = await bob.client.auth.sessions.list.query();
      if (!bobSession) throw new Error('bob has no session');
      const aliceSees = await alice.client.auth.sessions.list.query();
      expect(aliceSees.map((s) => s.id)).not.toContain(bobSession.id);
      await expectAppCode(
        alice.client.auth.sessions.revoke.mutate({ sessionId: bobSession.id }),
        'NOT_FOUND',
      );
      // Same answer as for a session that does not exist at all.
      await expectAppCode(
        alice.client.auth.sessions.revoke.mutate({ sessionId: randomUUID() }),
        'NOT_FOUND',
      );
      expect((await bob.client.auth.me.query()).email).toBe(bob.email);
      expect((await bob.client.auth.sessions.list.query()).map((s) => s.id)).toEqual([
        bobSession.id,
      ]);
    });

    it('a user cannot set their own role (FORBIDDEN); an admin cannot either (INVALID_STATE)', async () => {
      const { tokens, client } = await app.signUp();
      await expectAppCode(
        client.auth.users.setRole.mutate({ userId: tokens.user.id, role: 'admin' }),
        'FORBIDDEN',
      );
      expect((await client.auth.me.query()).role).toBe('user');

      const admin = await app.admin();
      await expectAppCode(
        admin.client.auth.users.setRole.mutate({ userId: admin.tokens.user.id, role: 'user' }),
        'INVALID_STATE',
      );
      expect((await admin.client.auth.me.query()).role).toBe('admin');
    });

    // The access classes of access-classes.ts (the matrix over every procedure and caller is
    // access-matrix.test.ts); here, the auth ones, with checks that nothing changed.
    const authPaths = (access: AccessClass) => pathsOf(access).filter((p) => p.startsWith('auth.'));
    const PUBLIC = authPaths('public');
    const ADMIN = authPaths('admin');
    const procedures = Object.entries(appRouter._def.procedures)
      .filter(([path]) => path.startsWith('auth.'))
      .map(([path, procedure]) => ({
        path,
        type: (procedure as unknown as { _def: { type: 'query' | 'mutation' } })._def.type,
      }));

    /** Valid inputs, so no answer can be a validation error instead of the access check. */
    const inputFor = (path: string, userId: string): unknown =>
      ({
        'auth.updateProfile': { name: 'Mallory' },
        'auth.changePassword': { currentPassword: TEST_PASSWORD, newPassword: 'new password 123' },
        'auth.sessions.revoke': { sessionId: randomUUID() },
        'auth.users.list': {},
        'auth.users.setRole': { userId, role: 'admin' },
        'auth.users.setActive': { userId, active: false },
      })[path];

    it('every auth procedure is classified as public, user or admin, and every class names one', () => {
      const classes = Object.fromEntries(procedures.map(({ path }) => [path, ACCESS[path]]));
      expect(Object.values(classes).filter((access) => access === undefined)).toEqual([]);
      expect(new Set(Object.values(classes))).toEqual(new Set(['public', 'user', 'admin']));
      expect(
        Object.keys(ACCESS)
          .filter((path) => path.startsWith('auth.'))
          .sort(),
      ).toEqual(procedures.map(({ path }) => path).sort());
    });

    it('anonymous callers get UNAUTHENTICATED from every non-public auth procedure', async () => {
      const admin = await app.admin();
      const authed = procedures.filter((p) => !PUBLIC.includes(p.path));
      for (const { path, type } of authed) {
        const answer = await raw(app.url, path, type, inputFor(path, admin.tokens.user.id));
        expect({ path, appCode: answer.appCode, status: answer.status }).toEqual({
          path,
          appCode: 'UNAUTHENTICATED',
          status: 401,
        });
      }
      expect((await admin.client.auth.me.query()).active).toBe(true);
    });

    it('a plain user gets FORBIDDEN from every admin procedure, and nothing changes', async () => {
      const { tokens } = await app.signUp();
      const admin = await app.admin();
      const adminOnly = procedures.filter((p) => ADMIN.includes(p.path));
      expect(adminOnly.map((p) => p.path).sort()).toEqual([...ADMIN].sort());
      for (const { path, type } of adminOnly) {
        // setRole targets the caller themself (self-promotion); setActive targets the admin.
        const target = path === 'auth.users.setRole' ? tokens.user.id : admin.tokens.user.id;
        const answer = await raw(app.url, path, type, inputFor(path, target), {
          authorization: `Bearer ${tokens.accessToken}`,
        });
        expect({ path, appCode: answer.appCode, status: answer.status }).toEqual({
          path,
          appCode: 'FORBIDDEN',
          status: 403,
        });
      }
      expect((await app.client(tokens.accessToken).auth.me.query()).role).toBe('user');
      expect((await admin.client.auth.me.query()).active).toBe(true);
    });
  });

  describe('login rate limits (loopback trusted as a proxy: each client has its own address)', () => {
    it('brute force on one account is RATE_LIMITED, even with the right password, with retryAfterSeconds', async () => {
      const { email } = await app.signUp();
      const attacker = app.client();
      for (let i = 0; i < 5; i += 1) {
        await expectAppCode(
          attacker.auth.login.mutate({ email, password: `wrong password ${i}` }),
          'INVALID_CREDENTIALS',
        );
      }
      const limited = await expectAppCode(
        attacker.auth.login.mutate({ email, password: TEST_PASSWORD }),
        'RATE_LIMITED',
      );
      expect(limited.details?.retryAfterSeconds).toBeGreaterThan(0);
    });

    it('one address trying many emails is limited per IP', async () => {
      const attacker = app.client();
      const codes: (string | undefined)[] = [];
      for (let i = 0; i < 31; i += 1) {
        const email = `spray-${i}-${randomUUID()}@example.com`;
        codes.push(
          (await failure(attacker.auth.login.mutate({ email, password: TEST_PASSWORD }))).appCode,
        );
      }
      expect(codes.slice(0, 30)).toEqual(Array(30).fill('INVALID_CREDENTIALS'));
      expect(codes[30]).toBe('RATE_LIMITED');
    });
  });

  describe('email enumeration', () => {
    it('register, resendVerification and requestPasswordReset answer byte-identical bodies for known and unknown emails', async () => {
      const { email: known } = await app.signUp();
      const unknown = `nobody-${randomUUID()}@example.com`;
      const cases: [string, (email: string) => unknown][] = [
        ['auth.register', (email) => ({ email, password: TEST_PASSWORD, name: 'Probe' })],
        ['auth.resendVerification', (email) => ({ email })],
        ['auth.requestPasswordReset', (email) => ({ email })],
      ];
      for (const [path, input] of cases) {
        const forKnown = await raw(app.url, path, 'mutation', input(known), {
          'x-forwarded-for': '10.250.0.1',
        });
        const forUnknown = await raw(app.url, path, 'mutation', input(unknown), {
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
      await app
        .client()
        .auth.register.mutate({ email: pending, password: TEST_PASSWORD, name: 'P' });
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

  describe('one-time codes', () => {
    /** A registered, unverified account and the code mailed to it. */
    async function registered(): Promise<{ email: string; code: string; userId: string }> {
      const email = `otp-${randomUUID()}@example.com`;
      await app.client().auth.register.mutate({ email, password: TEST_PASSWORD, name: 'Otto' });
      const code = codeIn(await app.mail(email, /verification code/));
      return { email, code, userId: await userIdOf(app, email) };
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
});

describe('auth security without a trusted proxy (X-Forwarded-For ignored)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ trustProxy: false });
  });
  afterAll(async () => app?.close());

  const login = (email: string, i: number) =>
    raw(
      app.url,
      'auth.login',
      'mutation',
      { email, password: `wrong password ${i}` },
      // A forged, different address on every attempt.
      { 'x-forwarded-for': `203.0.113.${i % 250}, 198.51.100.${(i * 7) % 250}` },
    );

  it('rotating X-Forwarded-For on one email is still limited per (socket address, email)', async () => {
    const email = `victim-${randomUUID()}@example.com`;
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 6; i += 1) codes.push((await login(email, i)).appCode);
    expect(codes).toEqual([...Array(5).fill('INVALID_CREDENTIALS'), 'RATE_LIMITED']);
  });

  it('rotating X-Forwarded-For over many emails is limited by the socket address', async () => {
    const answers: RawAnswer[] = [];
    for (let i = 0; i < 31; i += 1) {
      answers.push(await login(`spray-${i}-${randomUUID()}@example.com`, i));
    }
    const codes = answers.map((a) => a.appCode);
    // The earlier test may already have spent some of the socket address's 30 attempts.
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS').length).toBeLessThanOrEqual(30);
    const firstLimited = codes.indexOf('RATE_LIMITED');
    expect(firstLimited).toBeGreaterThanOrEqual(0);
    expect(codes.slice(firstLimited)).toEqual(
      Array(codes.length - firstLimited).fill('RATE_LIMITED'),
    );
    const body = JSON.parse(answers[30]?.body ?? '{}') as {
      error?: { data?: { details?: { retryAfterSeconds?: number } } };
    };
    expect(body.error?.data?.details?.retryAfterSeconds).toBeGreaterThan(0);
  });
});
