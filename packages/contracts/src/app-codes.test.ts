import { describe, expect, it } from 'vitest';
import { appCodeSchema, appCodes } from './app-codes.js';

/**
 * The codes of the first published contract (API.md, v1). Clients switch on these strings, so
 * they are never renamed, removed or reordered; a new code goes at the end. (That the API maps
 * and produces every code is apps/api's errors/app-codes.test.ts; that the SDK's README lists
 * them all is the SDK's readme test.)
 */
const PUBLISHED_V1 = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'TOKEN_EXPIRED',
  'SESSION_REVOKED',
  'FORBIDDEN',
  'NOT_FOUND',
  'INVALID_CREDENTIALS',
  'EMAIL_NOT_VERIFIED',
  'ACCOUNT_DISABLED',
  'OTP_INVALID',
  'OTP_EXPIRED',
  'OTP_ATTEMPTS_EXCEEDED',
  'REFRESH_TOKEN_REUSED',
  'RATE_LIMITED',
  'EVENT_NOT_BOOKABLE',
  'SOLD_OUT',
  'QUANTITY_LIMIT_EXCEEDED',
  'BOOKING_EXPIRED',
  'INVALID_STATE',
  'VERSION_CONFLICT',
  'CAPACITY_BELOW_BOOKED',
  'IDEMPOTENCY_KEY_REUSED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
];

describe('appCodes', () => {
  it('only ever grow: every published code keeps its name and place', () => {
    expect(appCodes.slice(0, PUBLISHED_V1.length)).toEqual(PUBLISHED_V1);
  });

  it('are SCREAMING_SNAKE_CASE and unique', () => {
    for (const code of appCodes) expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
    expect(new Set(appCodes).size).toBe(appCodes.length);
  });

  it('appCodeSchema accepts every code and nothing else', () => {
    for (const code of appCodes) expect(appCodeSchema.parse(code)).toBe(code);
    for (const bad of ['validation_failed', 'BAD_REQUEST', '', 1]) {
      expect(appCodeSchema.safeParse(bad).success).toBe(false);
    }
  });
});
