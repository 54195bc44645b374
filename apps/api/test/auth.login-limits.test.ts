import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode, failure } from './app-error.js';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';
import { callRaw, type RawAnswer } from './router-procedures.js';

// Login rate limits by client address, behind a trusted loopback proxy and without one (the
// account-wide ceiling, IPv6 networks and changePassword's limits are auth.rate-limits.test.ts).
describe('auth: login rate limits, loopback trusted as a proxy (each client has its own address)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => app?.close());

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

describe('auth: login rate limits without a trusted proxy (X-Forwarded-For ignored)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ trustProxy: false });
  });
  afterAll(async () => app?.close());

  const login = (email: string, i: number) =>
    callRaw(
      app.url,
      { path: 'auth.login', type: 'mutation' },
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
    expect(answers[30]?.details?.retryAfterSeconds).toBeGreaterThan(0);
  });
});
