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
import { expectAppCode } from './app-error.js';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './harness.js';

const secret = new TextEncoder().encode(TEST_JWT_SECRET);
const nowSeconds = () => Math.floor(Date.now() / 1000);

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

// Forged and misused access tokens over HTTP (issue 3's negative suite): each refused with an
// exact appCode, and one forgery with the right secret accepted so the refusals are not vacuous.
describe('auth: forged and misused access tokens', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => app?.close());

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
