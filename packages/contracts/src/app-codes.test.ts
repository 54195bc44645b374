import { describe, expect, it } from 'vitest';
import { appCodeSchema, appCodes } from './app-codes.js';

// Verbatim from API.md "Error codes (`data.appCode`)": the public contract clients switch on.
const apiMdErrorCodes = `VALIDATION_FAILED, UNAUTHENTICATED, TOKEN_EXPIRED, SESSION_REVOKED, FORBIDDEN, NOT_FOUND,
INVALID_CREDENTIALS, EMAIL_NOT_VERIFIED, ACCOUNT_DISABLED, OTP_INVALID, OTP_EXPIRED,
OTP_ATTEMPTS_EXCEEDED, REFRESH_TOKEN_REUSED, RATE_LIMITED (with retryAfterSeconds),
EVENT_NOT_BOOKABLE, SOLD_OUT, QUANTITY_LIMIT_EXCEEDED, BOOKING_EXPIRED, INVALID_STATE,
VERSION_CONFLICT, CAPACITY_BELOW_BOOKED, IDEMPOTENCY_KEY_REUSED, SERVICE_UNAVAILABLE, INTERNAL`;

const expected = apiMdErrorCodes.split(',').map((code) => code.replace(/\(.*\)/s, '').trim());

describe('appCodes', () => {
  it("equal API.md's list, in order", () => {
    expect(expected).toHaveLength(24);
    expect([...appCodes]).toEqual(expected);
  });

  it('has no duplicates', () => {
    expect(new Set(appCodes).size).toBe(appCodes.length);
  });

  it('appCodeSchema accepts every code and nothing else', () => {
    for (const code of appCodes) expect(appCodeSchema.parse(code)).toBe(code);
    for (const bad of ['validation_failed', 'BAD_REQUEST', '', 1]) {
      expect(appCodeSchema.safeParse(bad).success).toBe(false);
    }
  });
});
