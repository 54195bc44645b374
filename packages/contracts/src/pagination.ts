import { z } from 'zod';

/**
 * Keyset pagination (API.md "Wire conventions"): a list takes `{ limit?, cursor? }` and answers
 * `{ items, nextCursor }`. The cursor is an opaque base64url JSON of the last row's sort key.
 *
 * Each list's input schema decodes its cursor against that list's sort key
 * (`keysetPageInputSchema`), so a forged, edited or foreign cursor is refused at the boundary
 * as VALIDATION_FAILED (400) on every list, and a service only ever sees typed sort-key values.
 * Cursors are not signed: a forged one that decodes can only point at another position in a
 * list the caller may read anyway (authorisation lives in the query's filters, never in the
 * cursor), and its values reach SQL as bound parameters of the types the sort key declares.
 */

export const PAGE_LIMIT_DEFAULT = 20;
export const PAGE_LIMIT_MAX = 100;
/** Far above any real sort key; bounds what a client can make the server decode. */
export const CURSOR_MAX_LENGTH = 512;

const limitSchema = z.int().min(1).max(PAGE_LIMIT_MAX).default(PAGE_LIMIT_DEFAULT);

/**
 * Page input as the wire has it, the cursor opaque. `cursor` also accepts `null` so a client
 * can pass the previous page's `nextCursor` straight back. Lists use `keysetPageInputSchema`.
 */
export const pageInputSchema = z.object({
  limit: limitSchema,
  cursor: z.string().min(1).max(CURSOR_MAX_LENGTH).nullish(),
});

/** A cursor on the wire that decodes to `sortKey`'s values, or fails validation. */
export function cursorSchema<S extends z.ZodType>(sortKey: S) {
  return z
    .string()
    .min(1)
    .max(CURSOR_MAX_LENGTH)
    .transform((cursor, ctx): z.output<S> => {
      try {
        return decodeCursor(cursor, sortKey);
      } catch (error) {
        if (!(error instanceof InvalidCursorError)) throw error;
        ctx.addIssue({
          code: 'custom',
          message: 'is not a cursor of this list: pass back the nextCursor it answered',
        });
        return z.NEVER;
      }
    });
}

/** A list's page input: procedures `.extend()` it with their filters. */
export function keysetPageInputSchema<S extends z.ZodType>(sortKey: S) {
  return z.object({ limit: limitSchema, cursor: cursorSchema(sortKey).nullish() });
}

/** Sort-key parts: a bigint sequence number as Postgres hands it over (text), below 2^63. */
export const sequenceKeySchema = z.string().regex(/^(0|[1-9][0-9]{0,17})$/);

export type PageInput = z.input<typeof pageInputSchema>;

export interface Page<T> {
  items: T[];
  /** `null` on the last page. */
  nextCursor: string | null;
}

export function pageOutputSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** A cursor that is not one this API issued (or no longer fits the list's sort key). */
export class InvalidCursorError extends Error {
  /** How the API reports it: a bad cursor is bad input. */
  readonly appCode = 'VALIDATION_FAILED' as const;

  constructor(reason: string) {
    super(`invalid cursor: ${reason}`);
    this.name = 'InvalidCursorError';
  }
}

export type CursorValues = Record<string, string | number>;

/** Encodes the last row's sort key, e.g. `encodeCursor({ createdAt, id })`. */
export function encodeCursor(values: CursorValues): string {
  for (const [key, value] of Object.entries(values)) {
    // JSON would turn NaN/Infinity into null and the cursor would never decode again.
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new TypeError(`cursor value ${key} is not a finite number`);
    }
  }
  const cursor = toBase64url(JSON.stringify(values));
  if (cursor.length > CURSOR_MAX_LENGTH) {
    // Issuing a cursor that pageInputSchema would reject is a server bug: fail where it happens.
    throw new RangeError(`cursor is ${cursor.length} chars, over ${CURSOR_MAX_LENGTH}`);
  }
  return cursor;
}

/**
 * Decodes a client-supplied cursor and checks it against the list's sort-key schema.
 * @throws InvalidCursorError for anything that is not exactly what `encodeCursor` produced.
 */
export function decodeCursor<S extends z.ZodType>(cursor: string, schema: S): z.output<S> {
  if (cursor.length === 0 || cursor.length > CURSOR_MAX_LENGTH) {
    throw new InvalidCursorError('bad length');
  }
  const text = fromBase64url(cursor);
  if (text === undefined) {
    throw new InvalidCursorError('not base64url');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidCursorError('not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidCursorError('does not match the sort key');
  }
  return parsed.data;
}

// btoa/atob and TextEncoder rather than Buffer: contracts also load in browsers through the SDK.
function toBase64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  const binary = Array.from(bytes, (byte) => String.fromCharCode(byte)).join('');
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

const base64urlAlphabet = /^[A-Za-z0-9_-]+$/;

/** The UTF-8 text, or undefined unless `cursor` is the canonical encoding of valid UTF-8. */
function fromBase64url(cursor: string): string | undefined {
  if (!base64urlAlphabet.test(cursor) || cursor.length % 4 === 1) return undefined;
  const padded = cursor.replaceAll('-', '+').replaceAll('_', '/');
  const bytes = Uint8Array.from(atob(padded + '='.repeat((4 - (padded.length % 4)) % 4)), (c) =>
    c.charCodeAt(0),
  );
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  // Unused trailing bits make several strings decode alike; accept only the one we would issue,
  // so an edited cursor can never decode to something else.
  return toBase64url(text) === cursor ? text : undefined;
}
