import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';

// Login's rules against enumeration: what a wrong password is told must be what an unknown email
// is told — whether the account is verified, pending or disabled. Only the right password learns
// more. (How long each takes: auth.timing.test.ts.)

interface Answer {
  status: number;
  appCode: string | undefined;
  message: string | undefined;
}

describe('login rules for known and unknown emails', () => {
  let app: TestApp;
  let calls = 0;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => app?.close());

  /** The answer to a login over plain HTTP, from an address of its own. */
  async function login(email: string, password: string): Promise<Answer> {
    calls += 1;
    const res = await fetch(`${app.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.210.0.${calls}` },
      body: JSON.stringify({ email, password }),
    });
    const body = (await res.json()) as {
      error?: { message?: string; data?: { appCode?: string } };
    };
    return { status: res.status, appCode: body.error?.data?.appCode, message: body.error?.message };
  }

  async function accounts() {
    const verified = await app.signUp();
    const disabled = await app.signUp();
    const admin = await app.admin();
    await admin.client.auth.users.setActive.mutate({
      userId: disabled.tokens.user.id,
      active: false,
    });
    const pending = `pending-${randomUUID()}@example.com`;
    await app.client().auth.register.mutate({ email: pending, password: TEST_PASSWORD, name: 'P' });
    return { verified: verified.email, disabled: disabled.email, pending };
  }

  it('a wrong password is answered as an unknown email, whatever state the account is in', async () => {
    const { verified, disabled, pending } = await accounts();
    const unknown = await login(`nobody-${randomUUID()}@example.com`, 'a wrong password');
    expect(unknown).toEqual({
      status: 401,
      appCode: 'INVALID_CREDENTIALS',
      message: 'Email or password is wrong',
    });
    for (const email of [verified, disabled, pending]) {
      expect({ email, ...(await login(email, 'a wrong password')) }).toEqual({ email, ...unknown });
    }
  });

  it('only the right password learns that an account is unverified or disabled', async () => {
    const { verified, disabled, pending } = await accounts();
    expect(await login(pending, TEST_PASSWORD)).toMatchObject({
      status: 403,
      appCode: 'EMAIL_NOT_VERIFIED',
    });
    expect(await login(disabled, TEST_PASSWORD)).toMatchObject({
      status: 403,
      appCode: 'ACCOUNT_DISABLED',
    });
    expect(await login(verified, TEST_PASSWORD)).toMatchObject({ status: 200 });
  });
});
