import { z } from 'zod';

/**
 * The wire primitives every contract is built from. Plain JSON on the wire (no transformer), so
 * instants are ISO-8601 strings and money is integer minor units: non-TypeScript clients read
 * exactly what a TypeScript client reads.
 */

/** Entity ids are UUID strings. */
export const idSchema = z.uuid();

/** An instant as ISO-8601 with an explicit offset (`Z` or `+02:00`); never a bare local time. */
export const instantSchema = z.iso.datetime({ offset: true });

/** Money in integer minor units (cents); `z.int()` already bounds it to safe integers. */
export const priceCentsSchema = z.int().nonnegative();

// Asked once: the runtime's ICU list is fixed for the life of the process.
const knownCurrencies = new Set(Intl.supportedValuesOf('currency'));

/** ISO-4217 code: three upper-case letters that the runtime's ICU data knows (`EUR`, `USD`). */
export const currencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'currency must be three upper-case letters (ISO-4217)')
  .refine((code) => knownCurrencies.has(code), 'unknown ISO-4217 currency');

/**
 * An email address, normalised so that `Alice@Example.com ` and `alice@example.com` are one
 * account. 254 is the longest address SMTP can carry (RFC 5321 path limit).
 */
export const emailSchema = z.string().trim().toLowerCase().max(254).pipe(z.email());

/** Passwords are taken as typed (no trimming): 10 to 128 characters. */
export const passwordSchema = z.string().min(10).max(128);

export type Id = z.infer<typeof idSchema>;
export type Instant = z.infer<typeof instantSchema>;
export type Currency = z.infer<typeof currencySchema>;
