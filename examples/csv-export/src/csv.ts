/**
 * RFC 4180 CSV: a field with a comma, quote, CR or LF (or edge spaces) is quoted, quotes doubled;
 * records end with CRLF.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Free text typed by people (titles, names): a leading = + - @ (or tab/CR) would make a
 * spreadsheet evaluate it as a formula, so such a value gets a leading apostrophe (OWASP's advice).
 */
export function csvText(value: string | null): string {
  if (value === null) return '';
  return csvField(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
}

export function csvRecord(fields: string[]): string {
  return `${fields.join(',')}\r\n`;
}
