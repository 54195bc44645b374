import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode, failure } from './app-error.js';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';

// The auth rate limits over HTTP, behind a trusted loopback proxy so each call names its client
// address in X-Forwarded-For (as a load balancer would).

const WRONG = 'wrong password 123';

describe('auth rate limits', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => app?.close());

  const from = (ip: string, accessToken?: string) =>
    app.client(accessToken, { 'x-forwarded-for': ip });
  const login = (ip: string, email: string, password: string) =>
    from(ip).auth.login.mutate({ email, password });
  const strangerEmail = () => `nobody-${randomUUID()}@example.com`;

  describe('login', () => {
    it('wrong passwords from other networks do not lock the owner out of their own', async () => {
      const { email } = await app.signUp();
      for (let network = 0; network < 4; network += 1) {
        for (let i = 0; i < 5; i += 1) {
          await expectAppCode(login(`198.51.100.${network}`, email, WRONG), 'INVALID_CREDENTIALS');
        }
      }
      // Each guessing network has spent its own tries on this account, even with the password...
      const limited = await expectAppCode(
        login('198.51.100.0', email, TEST_PASSWORD),
        'RATE_LIMITED',
      );
      expect(limited.details?.retryAfterSeconds).toBeGreaterThan(0);
      // ...while the owner, from a network of their own, signs in.
      const tokens = await login('192.0.2.77', email, TEST_PASSWORD);
      expect(tokens.user.email).toBe(email);
    });

    it('a distributed guesser hits the account-wide ceiling, an unknown email alike; the owner’s network still gets in', async () => {
      // 200 argon2 verifications in all (hence the long timeout, for a loaded machine).
      const { email } = await app.signUp();
      // The owner signed in before from their home /64.
      await login('2001:db8:77:1::10', email, TEST_PASSWORD);
      const unknown = strangerEmail();
      // 100 guesses from 100 networks, each well under its own limits, for both emails at once.
      const guess = async (target: string, tag: number) => {
        const codes: (string | undefined)[] = [];
        for (let i = 0; i < 100; i += 1) {
          const ip = `100.${64 + tag}.${i >> 8}.${i & 255}`;
          codes.push((await failure(login(ip, target, WRONG))).appCode);
        }
        return codes;
      };
      const [known, stranger] = await Promise.all([guess(email, 0), guess(unknown, 1)]);
      expect(known).toEqual(Array(100).fill('INVALID_CREDENTIALS'));
      expect(stranger).toEqual(known);
      // The 101st try from yet another network is refused unchecked, even with the right password.
      const ceiling = await expectAppCode(
        login('100.70.0.1', email, TEST_PASSWORD),
        'RATE_LIMITED',
      );
      expect(ceiling.details?.retryAfterSeconds).toBeGreaterThan(0);
      expect(ceiling.details?.retryAfterSeconds).toBeLessThanOrEqual(3600);
      await expectAppCode(login('100.70.0.2', unknown, TEST_PASSWORD), 'RATE_LIMITED');
      // The owner, from another address of the /64 they signed in from, still gets in.
      const tokens = await login('2001:db8:77:1::99', email, TEST_PASSWORD);
      expect(tokens.user.email).toBe(email);
    }, 240_000);

    it('counts an IPv6 /64 as one client: 35 logins from one /64 are limited', async () => {
      const codes: (string | undefined)[] = [];
      for (let i = 1; i <= 35; i += 1) {
        const ip = `2001:db8:64:1:${i.toString(16)}::${(i * 7).toString(16)}`;
        codes.push((await failure(login(ip, strangerEmail(), WRONG))).appCode);
      }
      expect(codes).toEqual([
        ...Array(30).fill('INVALID_CREDENTIALS'),
        ...Array(5).fill('RATE_LIMITED'),
      ]);
      // The next /64 is another client.
      await expectAppCode(login('2001:db8:64:2::1', strangerEmail(), WRONG), 'INVALID_CREDENTIALS');
      // An IPv4 client reported as IPv4-mapped IPv6 is counted as its IPv4 address.
      for (let i = 0; i < 30; i += 1) {
        const ip = i % 2 === 0 ? '203.0.113.64' : '::ffff:203.0.113.64';
        await expectAppCode(login(ip, strangerEmail(), WRONG), 'INVALID_CREDENTIALS');
      }
      await expectAppCode(login('203.0.113.64', strangerEmail(), WRONG), 'RATE_LIMITED');
    });
  });

  describe('changePassword', () => {
    const change = (ip: string, accessToken: string, currentPassword: string) =>
      from(ip, accessToken).auth.changePassword.mutate({
        currentPassword,
        newPassword: 'a brand new password',
      });

    it('a stolen access token gets 5 guesses of the password, from any number of networks', async () => {
      const { tokens } = await app.signUp();
      for (let i = 0; i < 5; i += 1) {
        await expectAppCode(
          change(`198.18.${i}.1`, tokens.accessToken, `${WRONG} ${i}`),
          'INVALID_CREDENTIALS',
        );
      }
      const limited = await expectAppCode(
        change('198.18.9.1', tokens.accessToken, TEST_PASSWORD),
        'RATE_LIMITED',
      );
      expect(limited.details?.retryAfterSeconds).toBeGreaterThan(0);
      expect(limited.details?.retryAfterSeconds).toBeLessThanOrEqual(900);
      // Nothing changed: the old password still signs in.
      await login('198.18.10.1', tokens.user.email, TEST_PASSWORD);
    });

    it('the right password starts the count over', async () => {
      const { tokens } = await app.signUp();
      for (let i = 0; i < 4; i += 1) {
        await expectAppCode(change('198.19.0.1', tokens.accessToken, WRONG), 'INVALID_CREDENTIALS');
      }
      await change('198.19.0.1', tokens.accessToken, TEST_PASSWORD);
      await expectAppCode(change('198.19.0.1', tokens.accessToken, WRONG), 'INVALID_CREDENTIALS');
    });

    it('one network guessing through many accounts is limited per network', async () => {
      const users = await Promise.all(Array.from({ length: 5 }, () => app.signUp()));
      const network = '2001:db8:c0:1::';
      let n = 0;
      for (const { tokens } of users.slice(0, 4)) {
        for (let i = 0; i < 5; i += 1) {
          n += 1;
          await expectAppCode(
            change(`${network}${n.toString(16)}`, tokens.accessToken, WRONG),
            'INVALID_CREDENTIALS',
          );
        }
      }
      const last = users[4]?.tokens.accessToken ?? '';
      await expectAppCode(change(`${network}ff`, last, WRONG), 'RATE_LIMITED');
      await expectAppCode(change('2001:db8:c0:2::1', last, WRONG), 'INVALID_CREDENTIALS');
    });
  });
});
