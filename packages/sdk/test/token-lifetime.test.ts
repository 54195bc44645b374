import type { TokenPair } from '@evently/contracts';
import { describe, expect, it } from 'vitest';
import { refreshDueAt } from '../src/auth/token-lifetime.js';

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A pair whose access token is a JWT issued at `iat` and expiring at `exp` (seconds). */
function pair(iat: number, exp: number, token?: string): TokenPair {
  return {
    accessToken: token ?? `${base64url({ alg: 'HS256' })}.${base64url({ iat, exp })}.sig`,
    accessTokenExpiresAt: new Date(exp * 1000).toISOString(),
    refreshToken: 'evr_x',
    refreshTokenExpiresAt: new Date((exp + 86_400) * 1000).toISOString(),
    user: {
      id: '00000000-0000-4000-8000-000000000000',
      email: 'a@example.com',
      name: 'A',
      role: 'user',
      emailVerified: true,
      active: true,
      createdAt: new Date(0).toISOString(),
    },
  };
}

describe('refreshDueAt', () => {
  it('is the leeway before expiry for a long-lived token', () => {
    expect(refreshDueAt(pair(1_000, 1_900), 30)).toBe(1_870_000);
  });

  it('is never earlier than half the lifetime, so short tokens are not refreshed on every call', () => {
    expect(refreshDueAt(pair(1_000, 1_004), 30)).toBe(1_002_000);
    expect(refreshDueAt(pair(1_000, 1_004), 1)).toBe(1_003_000);
  });

  it('uses the plain leeway when the token is not a readable JWT', () => {
    expect(refreshDueAt(pair(1_000, 1_004, 'opaque-token'), 30)).toBe(974_000);
    expect(refreshDueAt(pair(1_000, 1_004, 'a.%%%.c'), 0)).toBe(1_004_000);
  });
});
