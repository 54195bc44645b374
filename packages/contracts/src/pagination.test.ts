import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CURSOR_MAX_LENGTH,
  decodeCursor,
  encodeCursor,
  InvalidCursorError,
  keysetPageInputSchema,
  type Page,
  pageInputSchema,
  pageOutputSchema,
  sequenceKeySchema,
} from './pagination.js';
import { idSchema, instantSchema } from './primitives.js';

const sortKey = z.strictObject({ createdAt: instantSchema, id: idSchema });
const key = { createdAt: '2026-11-24T23:38:59.123Z', id: '0b8e6f3a-6f5c-4a4b-9d1e-6f3a2c1b0e9d' };

function decodeError(cursor: string, schema: z.ZodType = sortKey): unknown {
  try {
    decodeCursor(cursor, schema);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('pageInputSchema', () => {
  it('defaults limit to 20 and leaves cursor out', () => {
    expect(pageInputSchema.parse({})).toEqual({ limit: 20 });
  });

  it('accepts limits 1..100, a cursor, and null for "first page"', () => {
    expect(pageInputSchema.parse({ limit: 1, cursor: 'abc' })).toEqual({ limit: 1, cursor: 'abc' });
    expect(pageInputSchema.parse({ limit: 100, cursor: null })).toEqual({
      limit: 100,
      cursor: null,
    });
  });

  it.each([
    { limit: 0 },
    { limit: 101 },
    { limit: 2.5 },
    { limit: '20' },
    { cursor: '' },
    { cursor: 'a'.repeat(CURSOR_MAX_LENGTH + 1) },
    { cursor: 7 },
  ])('rejects %j', (input) => {
    expect(pageInputSchema.safeParse(input).success).toBe(false);
  });

  it('can be extended with filters', () => {
    const input = pageInputSchema.extend({ q: z.string().optional() }).parse({ q: 'jazz' });
    expect(input).toEqual({ limit: 20, q: 'jazz' });
  });
});

describe('pageOutputSchema', () => {
  const schema = pageOutputSchema(z.object({ id: idSchema }));

  it('parses a page', () => {
    const page: Page<{ id: string }> = { items: [{ id: key.id }], nextCursor: null };
    expect(schema.parse(page)).toEqual(page);
    expect(schema.parse({ items: [], nextCursor: 'abc' })).toEqual({
      items: [],
      nextCursor: 'abc',
    });
  });

  it('rejects a bad item or a missing nextCursor', () => {
    expect(schema.safeParse({ items: [{ id: 'x' }], nextCursor: null }).success).toBe(false);
    expect(schema.safeParse({ items: [] }).success).toBe(false);
  });
});

describe('cursors', () => {
  it('round-trip strings and numbers', () => {
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, sortKey)).toEqual(key);

    const ranked = z.object({ revenueCents: z.int(), id: idSchema, title: z.string() });
    const value = { revenueCents: 1234567, id: key.id, title: 'Café — 夏 🎷' };
    expect(decodeCursor(encodeCursor(value), ranked)).toEqual(value);
  });

  it('fit in pageInputSchema', () => {
    const cursor = encodeCursor(key);
    expect(pageInputSchema.parse({ cursor }).cursor).toBe(cursor);
  });

  it('refuse to encode values that would not decode or would not fit', () => {
    expect(() => encodeCursor({ score: Number.NaN })).toThrow(TypeError);
    expect(() => encodeCursor({ score: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => encodeCursor({ q: 'x'.repeat(CURSOR_MAX_LENGTH) })).toThrow(RangeError);
  });

  it.each([
    ['empty', ''],
    ['too long', 'A'.repeat(CURSOR_MAX_LENGTH + 1)],
    ['standard base64 alphabet', `${encodeCursor(key)}+/`],
    ['padding', `${encodeCursor({ a: 1 })}=`],
    ['whitespace', ` ${encodeCursor(key)}`],
    ['impossible length', 'AAAAA'],
    ['not JSON', btoa('{"createdAt":').replace(/=+$/, '')],
    ['invalid UTF-8', btoa('\xff\xfe{}').replace(/=+$/, '')],
    ['JSON null', encodeCursor({}).replace(/.*/, btoa('null').replace(/=+$/, ''))],
    ['another shape', encodeCursor({ id: key.id })],
    ['an extra key', encodeCursor({ ...key, admin: 1 })],
    ['a wrong type', encodeCursor({ ...key, createdAt: 5 })],
  ])('throw InvalidCursorError for %s', (_name, cursor) => {
    const error = decodeError(cursor);
    expect(error).toBeInstanceOf(InvalidCursorError);
    expect(error).toMatchObject({ name: 'InvalidCursorError', appCode: 'VALIDATION_FAILED' });
  });

  it('reject a non-canonical encoding of a valid cursor (unused trailing bits set)', () => {
    const odd = encodeCursor({ ab: 1 }); // 8 bytes -> 11 chars: the last one has 2 spare bits
    expect(odd).toHaveLength(11);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(odd.at(-1) ?? '') ^ 1]; // flips a spare bit only
    const tampered = `${odd.slice(0, -1)}${sibling}`;
    // atob alone would read it as the same bytes; decodeCursor must not.
    expect(atob(tampered.replaceAll('-', '+').replaceAll('_', '/'))).toBe('{"ab":1}');
    expect(decodeError(tampered, z.object({ ab: z.number() }))).toBeInstanceOf(InvalidCursorError);
  });

  it('never throw anything but InvalidCursorError for any single-character edit', () => {
    const cursor = encodeCursor(key);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. ';
    let rejected = 0;
    for (let i = 0; i < cursor.length; i++) {
      for (const char of alphabet) {
        if (char === cursor[i]) continue;
        const edited = cursor.slice(0, i) + char + cursor.slice(i + 1);
        const error = decodeError(edited);
        if (error === undefined) continue; // a well-formed key: positions are not secret
        expect(error).toBeInstanceOf(InvalidCursorError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });
});

describe('keysetPageInputSchema', () => {
  const schema = keysetPageInputSchema(sortKey).extend({ q: z.string().optional() });

  it('decodes a cursor the list issued into its sort key', () => {
    expect(schema.parse({ cursor: encodeCursor(key) })).toEqual({ limit: 20, cursor: key });
    expect(schema.parse({ cursor: null, q: 'x' })).toEqual({ limit: 20, cursor: null, q: 'x' });
  });

  it.each([
    ['garbage', 'not a cursor!'],
    ['another list', encodeCursor({ s: '12' })],
    ['a bad instant', encodeCursor({ ...key, createdAt: 'yesterday' })],
    ['an extra key', encodeCursor({ ...key, x: 1 })],
  ])('refuses %s as an issue on cursor (not a throw)', (_, cursor) => {
    const parsed = schema.safeParse({ cursor });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path)).toEqual([['cursor']]);
  });

  it('keeps the wire type a string for clients', () => {
    const wire: z.input<typeof schema> = { cursor: 'abc' };
    expect(wire.cursor).toBe('abc');
  });
});

describe('sequenceKeySchema', () => {
  it.each(['0', '1', '999999999999999999'])('accepts %s', (v) => {
    expect(sequenceKeySchema.parse(v)).toBe(v);
  });
  it.each(['', '-1', '01', '1e3', '9999999999999999999', ' 1'])('refuses %j', (v) => {
    expect(sequenceKeySchema.safeParse(v).success).toBe(false);
  });
});
