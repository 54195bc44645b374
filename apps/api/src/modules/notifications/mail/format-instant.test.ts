import { describe, expect, it } from 'vitest';
import { formatUtc } from './format-instant.js';

describe('formatUtc', () => {
  it('writes the instant in UTC whatever the offset it was given in', () => {
    expect(formatUtc('2026-11-03T14:05:37.123Z')).toBe('Tue, 3 Nov 2026, 14:05 UTC');
    expect(formatUtc('2026-11-04T00:30:00+02:00')).toBe('Tue, 3 Nov 2026, 22:30 UTC');
    expect(formatUtc('2027-01-01T09:07:00Z')).toBe('Fri, 1 Jan 2027, 09:07 UTC');
  });

  it('refuses what is not an instant', () => {
    expect(() => formatUtc('soon')).toThrow('not an instant');
  });
});
