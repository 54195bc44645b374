import { z } from 'zod';

/**
 * The `data.appCode` every API error carries beside its tRPC code. Part of the public contract
 * (API.md): clients switch on these strings, so a code is only ever added, never renamed.
 */
export const appCodes = [
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
  // Part 2
  'LAST_OWNER',
  'TICKET_TYPE_NOT_AVAILABLE',
  'VOUCHER_INVALID',
  'VOUCHER_EXHAUSTED',
  'PAYMENT_REQUIRED',
  'PAYMENT_MISMATCH',
  'CANCELLATION_CLOSED',
  'SEAT_UNAVAILABLE',
  'SEATS_NOT_TOGETHER',
  'WEBHOOK_URL_REFUSED',
  'API_KEY_REVOKED',
  'SCOPE_MISSING',
] as const;

export const appCodeSchema = z.enum(appCodes);

export type AppCode = z.infer<typeof appCodeSchema>;
