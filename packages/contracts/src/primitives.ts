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

/**
 * Text a person typed, the checks every string from outside passes. Refused (VALIDATION_FAILED):
 * NUL (Postgres cannot store it) and lone UTF-16 surrogates (not text: they reach UTF-8 as
 * U+FFFD, so two different inputs would be stored alike). Single-line fields also refuse every
 * other C0/C1 control character; multi-line ones keep tab, LF and CR.
 */
function invalidCharacter(text: string, multiline: boolean): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    // for..of yields a well-formed pair as one code point above U+FFFF: what is left is lone.
    if (code >= 0xd800 && code <= 0xdfff) return true;
    if (code === 0) return true;
    if (multiline && (code === 0x09 || code === 0x0a || code === 0x0d)) continue;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

/**
 * The Unicode bidirectional formatting characters: marks (ALM, LRM, RLM), embeddings and
 * overrides (LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI). Invisible, and an
 * unclosed RLO reverses whatever a mail or page prints after a name ("Trojan Source").
 */
export const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A string taken as typed (passwords, tokens: nothing stripped or trimmed), but text: the
 * multi-line rules. Bounds are the caller's (`.min()`, `.max()`).
 */
export const rawTextSchema = z
  .string()
  .refine(
    (text) => !invalidCharacter(text, true),
    'must be text without NUL or control characters',
  );

/**
 * Free text people read (names, titles, venues, reasons) or search with: bidi controls are
 * STRIPPED (invisible, so a refusal would name nothing the user could see to fix; the text
 * renders the same without them), then trimmed; control characters are REFUSED (no keyboard
 * types them: a broken client or an attack). `multiline` keeps tab and line breaks.
 */
export function textSchema(bounds: { min?: number; max: number; multiline?: boolean }) {
  const multiline = bounds.multiline ?? false;
  return z
    .string()
    .overwrite((text) => text.replace(BIDI_CONTROLS, ''))
    .trim()
    .min(bounds.min ?? 0)
    .max(bounds.max)
    .refine(
      (text) => !invalidCharacter(text, multiline),
      multiline
        ? 'must be text without NUL or control characters (tab and line breaks are fine)'
        : 'must be one line of text without control characters',
    );
}

/** Passwords are taken as typed (no trimming): 10 to 128 characters of text. */
export const passwordSchema = rawTextSchema.min(10).max(128);

export type Id = z.infer<typeof idSchema>;
export type Instant = z.infer<typeof instantSchema>;
export type Currency = z.infer<typeof currencySchema>;
