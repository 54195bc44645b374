import { describe, expect, it } from 'vitest';
import { csvField, csvRecord, csvText } from './csv.js';

describe('csv', () => {
  it('quotes a field with a comma, a quote, a line break or edge spaces (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('one\r\ntwo')).toBe('"one\r\ntwo"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField(12)).toBe('12');
    expect(csvField(null)).toBe('');
  });

  it('defuses spreadsheet formulas in free text', () => {
    expect(csvText("=HYPERLINK('http://evil.example')")).toBe("'=HYPERLINK('http://evil.example')");
    expect(csvText('-1')).toBe("'-1");
    expect(csvText('Jane')).toBe('Jane');
  });

  it('ends a record with CRLF', () => {
    expect(csvRecord(['a', 'b'])).toBe('a,b\r\n');
  });
});
