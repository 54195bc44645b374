import { describe, expect, it } from 'vitest';
import {
  currencySchema,
  emailSchema,
  idSchema,
  instantSchema,
  passwordSchema,
  priceCentsSchema,
  rawTextSchema,
  textSchema,
} from './primitives.js';

describe('idSchema', () => {
  it('accepts UUID strings', () => {
    expect(idSchema.parse('0b8e6f3a-6f5c-4a4b-9d1e-6f3a2c1b0e9d')).toBe(
      '0b8e6f3a-6f5c-4a4b-9d1e-6f3a2c1b0e9d',
    );
    expect(idSchema.safeParse(crypto.randomUUID()).success).toBe(true);
  });

  it.each(['', 'not-a-uuid', '0b8e6f3a6f5c4a4b9d1e6f3a2c1b0e9d', 42, null])('rejects %j', (v) => {
    expect(idSchema.safeParse(v).success).toBe(false);
  });
});

describe('instantSchema', () => {
  it.each(['2026-11-24T23:38:59Z', '2026-11-24T23:38:59.123Z', '2026-11-25T00:38:59+01:00'])(
    'accepts %s',
    (v) => {
      expect(instantSchema.parse(v)).toBe(v);
    },
  );

  it.each([
    '2026-11-24T23:38:59', // local time: ambiguous without an offset
    '2026-11-24',
    'yesterday',
    '2026-13-01T00:00:00Z',
    1764027539000,
  ])('rejects %j', (v) => {
    expect(instantSchema.safeParse(v).success).toBe(false);
  });
});

describe('priceCentsSchema', () => {
  it.each([0, 1, 1999, Number.MAX_SAFE_INTEGER])('accepts %d', (v) => {
    expect(priceCentsSchema.parse(v)).toBe(v);
  });

  it.each([-1, 19.99, Number.MAX_SAFE_INTEGER + 1, Number.NaN, Number.POSITIVE_INFINITY, '1999'])(
    'rejects %j',
    (v) => {
      expect(priceCentsSchema.safeParse(v).success).toBe(false);
    },
  );
});

describe('currencySchema', () => {
  it.each(['EUR', 'USD', 'JPY', 'CHF'])('accepts %s', (v) => {
    expect(currencySchema.parse(v)).toBe(v);
  });

  it.each(['eur', 'EU', 'EURO', 'QQQ', 'ZZZ', '', 978])('rejects %j', (v) => {
    expect(currencySchema.safeParse(v).success).toBe(false);
  });
});

describe('emailSchema', () => {
  it('trims and lower-cases', () => {
    expect(emailSchema.parse('  Alice.Smith@Example.COM ')).toBe('alice.smith@example.com');
  });

  it('accepts an address of exactly 254 characters', () => {
    const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
    expect(email).toHaveLength(254);
    expect(emailSchema.parse(email)).toBe(email);
  });

  it('rejects an address longer than 254 characters', () => {
    const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.com`;
    expect(email).toHaveLength(255);
    expect(emailSchema.safeParse(email).success).toBe(false);
  });

  it.each(['', 'alice', 'alice@', '@example.com', 'a b@example.com', null])('rejects %j', (v) => {
    expect(emailSchema.safeParse(v).success).toBe(false);
  });
});

describe('passwordSchema', () => {
  it('accepts 10 to 128 characters, untrimmed', () => {
    expect(passwordSchema.parse('0123456789')).toBe('0123456789');
    expect(passwordSchema.parse('x'.repeat(128))).toHaveLength(128);
    expect(passwordSchema.parse('  padded secret  ')).toBe('  padded secret  ');
  });

  it.each(['', '012345678', 'x'.repeat(129), 1234567890])('rejects %j', (v) => {
    expect(passwordSchema.safeParse(v).success).toBe(false);
  });
});

describe('textSchema', () => {
  const line = textSchema({ min: 1, max: 20 });
  const block = textSchema({ max: 50, multiline: true });

  it('strips bidi controls, then trims', () => {
    expect(line.parse(' Ali\u202ece\u2066 ')).toBe('Alice');
    expect(line.parse('\u200fשלום\u200e 12')).toBe('שלום 12');
    expect(line.safeParse('\u202e \u202c').success).toBe(false); // nothing left
  });

  it('keeps what people type: accents, scripts, emoji (surrogate pairs), inner spaces', () => {
    for (const text of ['Zoë Ångström', '李小龍', 'Party 🎉🎉', 'a  b']) {
      expect(line.parse(text)).toBe(text);
    }
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['a lone high surrogate', 'a\ud800'],
    ['a lone low surrogate', '\udc00b'],
    ['BEL', 'a\u0007'],
    ['a line break in one line', 'a\nb'],
    ['DEL', 'a\u007f'],
    ['a C1 control', 'a\u0085'],
  ])('refuses %s', (_, text) => {
    expect(line.safeParse(text).success).toBe(false);
  });

  it('multi-line text keeps tab and line breaks but not NUL', () => {
    expect(block.parse('one\n\ttwo\r\n')).toBe('one\n\ttwo');
    expect(block.safeParse('one\u0000').success).toBe(false);
  });

  it('bounds count what is left after stripping', () => {
    expect(line.safeParse(`${'x'.repeat(20)}\u202e`).success).toBe(true);
    expect(line.safeParse('x'.repeat(21)).success).toBe(false);
  });
});

describe('rawTextSchema', () => {
  it('takes text as typed (no trim, bidi kept) but refuses NUL and lone surrogates', () => {
    expect(rawTextSchema.parse(' pass\u202e word ')).toBe(' pass\u202e word ');
    expect(rawTextSchema.safeParse('pass\u0000word').success).toBe(false);
    expect(rawTextSchema.safeParse('pass\ud800').success).toBe(false);
    expect(passwordSchema.safeParse('correct horse\u0000').success).toBe(false);
  });
});
