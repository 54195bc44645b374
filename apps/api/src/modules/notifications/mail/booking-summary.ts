import { formatUtc } from './format-instant.js';
import { formatMoney } from './format-money.js';
import { html, type SafeHtml } from './html.js';
import type { MailBookingLine, MailBookingLines, MailEventInfo } from './mail-template.js';

export interface BookingSummaryInput {
  event: MailEventInfo;
  /** Seats booked or asked for; no "Seats" row without it (a mail about the event alone). */
  quantity?: number;
  /**
   * The price snapshot, when the mail is about a booking (not a waitlist entry); with `lines`
   * and no total, the lines' sum (an offer or a lapsed hold costs what its lines do).
   */
  total?: { cents: number; currency: string };
  /** What the booking was sold as: a row per line and one for the discount, before the total. */
  lines?: MailBookingLines;
  /**
   * Rows a mail adds after the total (a payment's amount, method and reference): plain values,
   * escaped in the HTML like the rest.
   */
  facts?: readonly (readonly [label: string, value: string])[];
  /** The booking's id, for support and for finding it in the app. */
  bookingId?: string;
}

export function seats(quantity: number): string {
  return quantity === 1 ? '1 seat' : `${quantity} seats`;
}

/** A row of the summary: `Label: value` in the text, or a bill line `Label  amount`. */
type Row = readonly [label: string, value: string, kind?: 'bill'];

/**
 * A line's reserved seats, by section and row: "Stalls, Row A: 3, 4; Row B: 7". Seats come in
 * plan order, so a row's seats are consecutive.
 */
export function seatText(seats: NonNullable<MailBookingLine['seats']>): string {
  const groups: { section: string; row: string; labels: string[] }[] = [];
  for (const seat of seats) {
    const last = groups.at(-1);
    if (last && last.section === seat.section && last.row === seat.row)
      last.labels.push(seat.label);
    else groups.push({ section: seat.section, row: seat.row, labels: [seat.label] });
  }
  return groups
    .map((g, i) => {
      const row = `${g.row}: ${g.labels.join(', ')}`;
      return i > 0 && groups[i - 1]?.section === g.section ? row : `${g.section}, ${row}`;
    })
    .join('; ');
}

/**
 * A row per line, "2 × Early bird" at its price before any discount (and, for reserved seats, a
 * row naming them), then one row with the booking's discount and its voucher code: the bill rows
 * add up to the total. Names come from the organizer (escaped in the HTML like every value).
 */
export function lineRows(lines: MailBookingLines): Row[] {
  const money = (cents: number) => formatMoney(cents, lines.currency);
  const rows: Row[] = lines.items.flatMap((item): Row[] => [
    [`${item.quantity} × ${item.name}`, money(item.totalCents + item.discountCents), 'bill'],
    ...(item.seats?.length ? [['Your seats', seatText(item.seats)] as const] : []),
  ]);
  const discount = lines.items.reduce((sum, item) => sum + item.discountCents, 0);
  if (discount > 0) {
    const label = lines.voucherCode ? `Discount (${lines.voucherCode})` : 'Discount';
    rows.push([label, `− ${money(discount)}`, 'bill']);
  }
  return rows;
}

/**
 * The facts every booking and waitlist mail repeats: which event, where, when, how many seats,
 * the lines, the total and the booking reference. The title and venue come from the organizer,
 * so the HTML goes through `html` (escaped) like every other value.
 */
export function bookingSummary(input: BookingSummaryInput): { html: SafeHtml; text: string } {
  const when = formatUtc(input.event.startsAt);
  const rows: Row[] = [
    ['Event', input.event.title],
    ['Where', input.event.venue],
    ['When', when],
  ];
  if (input.quantity !== undefined) rows.push(['Seats', String(input.quantity)]);
  if (input.lines) rows.push(...lineRows(input.lines));
  const total =
    input.total ??
    (input.lines && {
      cents: input.lines.items.reduce((sum, item) => sum + item.totalCents, 0),
      currency: input.lines.currency,
    });
  if (total) rows.push(['Total', formatMoney(total.cents, total.currency)]);
  if (input.facts) rows.push(...input.facts);
  if (input.bookingId) rows.push(['Booking', input.bookingId]);
  return {
    text: rows
      .map(([label, value, kind]) =>
        kind === 'bill' ? `${label}  ${value}` : `${label}: ${value}`,
      )
      .join('\n'),
    html: html`<table role="presentation" cellpadding="0" cellspacing="0" style="margin:16px 0;">
${rows.map(
  ([label, value]) =>
    html`<tr><td style="color:#6b7080;padding:2px 16px 2px 0;">${label}</td><td>${
      label === 'When' ? html`<time datetime="${input.event.startsAt}">${value}</time>` : value
    }</td></tr>
`,
)}</table>`,
  };
}
