import { randomBytes } from 'node:crypto';

/**
 * Generated codes: lower-case letters and digits without the look-alikes (no 0/o, 1/l/i), so a
 * code read aloud or typed from paper comes out right; codes are case-insensitive anyway.
 */
export const CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
/**
 * 12 characters of 31: 31^12 ≈ 7.9 × 10^17 codes (59 bits). See voucher-check-limits.ts for what
 * a guesser gets through `vouchers.check`.
 */
export const CODE_LENGTH = 12;

/** Bytes below this are used (a multiple of the alphabet's size): no modulo bias. */
const UNBIASED_BELOW = 256 - (256 % CODE_ALPHABET.length);

/** One code from the CSPRNG, each character uniform over the alphabet. */
export function generateCode(): string {
  let code = '';
  while (code.length < CODE_LENGTH) {
    for (const byte of randomBytes(CODE_LENGTH * 2)) {
      if (byte >= UNBIASED_BELOW) continue;
      code += CODE_ALPHABET[byte % CODE_ALPHABET.length];
      if (code.length === CODE_LENGTH) break;
    }
  }
  return code;
}

/** `count` distinct codes, none of them in `taken`. */
export function generateCodes(count: number, taken: ReadonlySet<string> = new Set()): string[] {
  const codes = new Set<string>();
  while (codes.size < count) {
    const code = generateCode();
    if (!taken.has(code)) codes.add(code);
  }
  return [...codes];
}
