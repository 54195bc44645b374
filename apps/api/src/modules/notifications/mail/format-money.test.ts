import { describe, expect, it } from 'vitest';
import { formatAmount, formatMoney } from './format-money.js';

describe('formatMoney', () => {
  it("writes minor units with the currency's own decimals", () => {
    expect(formatMoney(3000, 'EUR')).toBe('EUR 30.00');
    expect(formatMoney(123456789, 'usd')).toBe('USD 1,234,567.89');
    expect(formatMoney(5, 'EUR')).toBe('EUR 0.05');
    expect(formatMoney(5000, 'JPY')).toBe('JPY 5,000');
    expect(formatMoney(1500, 'KWD')).toBe('KWD 1.500');
  });

  it('says free for nothing, and refuses what is not an amount', () => {
    expect(formatMoney(0, 'EUR')).toBe('free');
    expect(() => formatMoney(-1, 'EUR')).toThrow('not an amount');
    expect(() => formatMoney(1.5, 'EUR')).toThrow('not an amount');
  });

  it('writes money that moved as an amount, nothing included', () => {
    expect(formatAmount(0, 'EUR')).toBe('EUR 0.00');
    expect(formatAmount(0, 'JPY')).toBe('JPY 0');
    expect(formatAmount(250, 'EUR')).toBe('EUR 2.50');
    expect(() => formatAmount(-1, 'EUR')).toThrow('not an amount');
  });
});
