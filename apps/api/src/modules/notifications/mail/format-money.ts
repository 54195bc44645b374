/**
 * An amount in minor units as a reader sees it in a mail: `EUR 1,234.50`, `JPY 5,000`, or
 * `free` for nothing. The number of decimals is the currency's own (ISO 4217, through Intl);
 * digits and separators are written by hand so every runtime writes the same text.
 */
export function formatMoney(minorUnits: number, currency: string): string {
  if (minorUnits === 0) return 'free';
  return formatAmount(minorUnits, currency);
}

/**
 * The same, but nothing is `EUR 0.00`: for money that moved (a payment, a refund), where "a
 * refund of free" would read wrong.
 */
export function formatAmount(minorUnits: number, currency: string): string {
  if (!Number.isSafeInteger(minorUnits) || minorUnits < 0) {
    throw new Error(`not an amount in minor units: ${minorUnits}`);
  }
  const decimals = currencyDecimals(currency);
  const scale = 10 ** decimals;
  const whole = Math.floor(minorUnits / scale)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = decimals > 0 ? `.${String(minorUnits % scale).padStart(decimals, '0')}` : '';
  return `${currency.toUpperCase()} ${whole}${fraction}`;
}

function currencyDecimals(currency: string): number {
  try {
    const format = new Intl.NumberFormat('en', { style: 'currency', currency });
    return format.resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // An unknown code (Intl throws on malformed ones): the common case.
    return 2;
  }
}
