import type { RouterOutputs } from '@evently/sdk';

type Booking = RouterOutputs['bookings']['listForEvent']['items'][number];

/**
 * RFC 4180 CSV: a field with a comma, quote, CR or LF (or edge spaces) is quoted, its quotes
 * doubled; records end with CRLF.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Text people typed (ticket type names, voucher codes): a leading = + - @ (or tab/CR) would make
 * a spreadsheet run it as a formula, so such a value gets a leading apostrophe (OWASP's advice).
 */
export function csvText(value: string | null): string {
  if (value === null) return '';
  return csvField(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
}

export function csvRecord(fields: string[]): string {
  return `${fields.join(',')}\r\n`;
}

/** The export's columns, in order. */
export const BOOKING_COLUMNS = [
  'booking_id',
  'status',
  'quantity',
  'ticket_types',
  'total_cents',
  'currency',
  'voucher_code',
  'user_id',
  'created_at',
  'confirmed_at',
  'cancelled_at',
] as const;

/** A booking's lines in words: "General × 2; VIP × 1". */
export function itemsText(booking: Booking): string {
  return booking.items.map((item) => `${item.name} × ${item.quantity}`).join('; ');
}

/** One booking as a CSV record, in `BOOKING_COLUMNS`' order. */
export function bookingRecord(booking: Booking): string {
  return csvRecord([
    csvField(booking.id),
    csvField(booking.status),
    csvField(booking.quantity),
    csvText(itemsText(booking)),
    csvField(booking.totalCents),
    csvField(booking.currency),
    csvText(booking.voucherCode),
    csvField(booking.userId),
    csvField(booking.createdAt),
    csvField(booking.confirmedAt),
    csvField(booking.cancelledAt),
  ]);
}
