import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

export const OTP_TTL_MS = 10 * 60_000;
export const OTP_MAX_ATTEMPTS = 5;
export const OTP_RESEND_COOLDOWN_MS = 60_000;
/**
 * Codes per (email, purpose) and window are a cooldown apart for the first OTP_FAST_CODES, then
 * OTP_SLOW_COOLDOWN_MS apart: what bounds the mails anyone can have sent to one email, now that
 * no per-email request limit exists (a stranger could spend it). Shorter than OTP_TTL_MS, so a
 * request that sends nothing always finds a code mailed minutes ago and still live.
 */
export const OTP_FAST_CODES = 3;
export const OTP_SLOW_COOLDOWN_MS = 5 * 60_000;
export const OTP_WINDOW_MS = 60 * 60_000;

/**
 * What a code row is found by: a keyed hash of the lower-cased email, so rows exist for any
 * email asked about (phantom ones included) without the table holding anyone's address.
 */
export function otpEmailKey(secret: string, email: string): string {
  return createHmac('sha256', secret).update(`otp-email:${email.toLowerCase()}`).digest('hex');
}

/** The secret behind a phantom code's hash: 128 random bits, never six digits, never kept. */
export function phantomSecret(): string {
  return randomBytes(16).toString('hex');
}

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
