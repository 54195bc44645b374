import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

export const OTP_TTL_MS = 10 * 60_000;
export const OTP_MAX_ATTEMPTS = 5;
export const OTP_RESEND_COOLDOWN_MS = 60_000;

/** Six digits from the CSPRNG (uniform: randomInt has no modulo bias). */
export function generateOtp(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, '0');
}

/**
 * Keyed hash bound to the code's row: a leaked table does not reveal codes without the server
 * secret, and a hash cannot be replayed on another row.
 */
export function hashOtp(secret: string, otpId: string, code: string): string {
  return createHmac('sha256', secret).update(`${otpId}:${code}`).digest('hex');
}

export function otpMatches(
  secret: string,
  otpId: string,
  code: string,
  storedHash: string,
): boolean {
  const given = Buffer.from(hashOtp(secret, otpId, code), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
