import { isEventlyError } from '@evently/sdk';

/**
 * Whether a stream that ended with `error` is worth opening again by itself: a lapsed token (the
 * next connection carries a fresh one), a busy or unreachable server. A refusal is not.
 */
export function mayReconnect(error: unknown): boolean {
  if (!isEventlyError(error)) return true;
  return ['TOKEN_EXPIRED', 'SERVICE_UNAVAILABLE', 'INTERNAL', 'RATE_LIMITED'].includes(
    error.appCode,
  );
}
