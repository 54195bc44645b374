import { describe, expect, it } from 'vitest';
import { AppError } from '../../kernel/app-error.js';
import { createTokenIssuer } from './tokens.js';

// verifyAccess remembers tokens it verified (the hot path verifies the same token for minutes):
// the memory must keep every refusal the full verification makes.
const claims = {
  userId: '5b0f3c1e-6a57-4f0e-9f55-2d7a0f4f8a11',
  role: 'user' as const,
  sessionId: '0c7f1a34-2b8e-4c1d-a0f6-7e5d9b3c2a10',
};

function issuer(clock: { now: number }) {
  return createTokenIssuer({
    secret: 'a-secret-that-is-long-enough-for-hs256-0123456789',
    accessTtlSeconds: 60,
    now: () => new Date(clock.now),
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof AppError ? error.appCode : 'no error';
}

describe('access token verification', () => {
  it('refuses a remembered token once it expires', async () => {
    const clock = { now: Date.parse('2026-11-25T10:00:00Z') };
    const tokens = issuer(clock);
    const { token } = await tokens.signAccess(claims);
    expect(await tokens.verifyAccess(token)).toEqual(claims);
    clock.now += 59_000;
    expect(await tokens.verifyAccess(token)).toEqual(claims);
    clock.now += 1_000;
    expect(await codeOf(tokens.verifyAccess(token))).toBe('TOKEN_EXPIRED');
    // And stays refused (not re-verified into the cache).
    expect(await codeOf(tokens.verifyAccess(token))).toBe('TOKEN_EXPIRED');
  });

  it('does not let a tampered copy of a remembered token through', async () => {
    const clock = { now: Date.now() };
    const tokens = issuer(clock);
    const { token } = await tokens.signAccess(claims);
    await tokens.verifyAccess(token);
    const [header, payload, signature = ''] = token.split('.');
    // The first character: the last one carries two unused bits, which decoding may ignore.
    const flipped = signature.startsWith('A') ? 'B' : 'A';
    const tampered = `${header}.${payload}.${flipped}${signature.slice(1)}`;
    expect(await codeOf(tokens.verifyAccess(tampered))).toBe('UNAUTHENTICATED');
    const otherClaims = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()),
        role: 'admin',
      }),
    ).toString('base64url');
    expect(await codeOf(tokens.verifyAccess(`${header}.${otherClaims}.${signature}`))).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('does not share what it remembers with an issuer of another secret', async () => {
    const clock = { now: Date.now() };
    const { token } = await issuer(clock).signAccess(claims);
    const other = createTokenIssuer({
      secret: 'another-secret-that-is-long-enough-9876543210',
      accessTtlSeconds: 60,
      now: () => new Date(clock.now),
    });
    expect(await codeOf(other.verifyAccess(token))).toBe('UNAUTHENTICATED');
  });
});
