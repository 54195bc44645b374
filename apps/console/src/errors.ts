import { type AppCode, isEventlyError } from '@evently/sdk';

/** What people read when the API refuses: the code's meaning, never a stack or a raw code. */
const MESSAGES: Partial<Record<AppCode, string>> = {
  VALIDATION_FAILED: 'Some fields are not valid.',
  UNAUTHENTICATED: 'Please sign in again.',
  TOKEN_EXPIRED: 'Your session expired; please sign in again.',
  SESSION_REVOKED: 'Your session was ended; please sign in again.',
  FORBIDDEN: 'You are not allowed to do this.',
  NOT_FOUND: 'This no longer exists, or you cannot see it.',
  INVALID_CREDENTIALS: 'The email or password is wrong.',
  EMAIL_NOT_VERIFIED: 'Verify your email first: enter the code we sent you.',
  ACCOUNT_DISABLED: 'This account is disabled.',
  OTP_INVALID: 'That code is not right.',
  OTP_EXPIRED: 'That code expired; ask for a new one.',
  OTP_ATTEMPTS_EXCEEDED: 'Too many wrong codes; ask for a new one.',
  RATE_LIMITED: 'Too many attempts; wait a moment and try again.',
  EVENT_NOT_BOOKABLE: 'This event is not on sale.',
  SOLD_OUT: 'Sold out.',
  QUANTITY_LIMIT_EXCEEDED: 'That is more tickets than allowed.',
  INVALID_STATE: 'This cannot be done in its current state.',
  VERSION_CONFLICT: 'Someone else changed this meanwhile; reload and try again.',
  CAPACITY_BELOW_BOOKED: 'The capacity cannot go below what is already sold or held.',
  SERVICE_UNAVAILABLE: 'Evently is busy or unreachable; try again shortly.',
  INTERNAL: 'Something went wrong on our side.',
  LAST_OWNER: 'An organization needs at least one owner.',
  VOUCHER_INVALID: 'That voucher is not valid.',
  VOUCHER_EXHAUSTED: 'That voucher has been used up.',
  PAYMENT_MISMATCH: 'The amount or currency does not match the booking.',
  CANCELLATION_CLOSED: 'Cancellation is closed for this event.',
  SEAT_UNAVAILABLE: 'Some of those seats are taken or blocked.',
  WEBHOOK_URL_REFUSED: 'That URL is not allowed: it must be a public http(s) address.',
  API_KEY_REVOKED: 'That API key was revoked.',
  SCOPE_MISSING: 'That API key lacks the scope for this.',
};

/** A sentence for any error a call may throw. */
export function messageOf(error: unknown): string {
  if (isEventlyError(error)) {
    const known = MESSAGES[error.appCode];
    const field = error.issues?.[0];
    if (error.appCode === 'VALIDATION_FAILED' && field) {
      return `${field.path.join('.') || 'Input'}: ${field.message}`;
    }
    return known ?? error.message;
  }
  if (error instanceof Error && /fetch|network/i.test(error.message)) {
    return 'Evently cannot be reached; check the connection.';
  }
  return 'Something went wrong.';
}

/** Whether an error means "signed out" (the session screen should show). */
export function isSignedOutError(error: unknown): boolean {
  return (
    isEventlyError(error) &&
    ['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'SESSION_REVOKED'].includes(error.appCode)
  );
}
