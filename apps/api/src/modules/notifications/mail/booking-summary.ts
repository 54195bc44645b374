import { formatUtc } from './format-instant.js';
import { formatMoney } from './format-money.js';
import { html, type SafeHtml } from './html.js';
import type { MailEventInfo } from './mail-template.js';

export interface BookingSummaryInput {
  event: MailEventInfo;
  /** Seats booked or asked for; no "Seats" row without it (a mail about the event alone). */
  quantity?: number;
  /** The price snapshot, when the mail is about a booking (not a waitlist entry). */
  total?: { cents: number; currency: string };
  /** The booking's id, for support and for finding it in the app. */
  bookingId?: string;
}

export function seats(quantity: number): string {
  return quantity === 1 ? '1 seat' : `${quantity} seats`;
}

/**
 * The facts every booking and waitlist mail repeats: which event, where, when, how many seats,
 * the total and the booking reference. The title and venue come from the organizer, so the HTML
 * goes through `html` (escaped) like every other value.
 */
export function bookingSummary(input: BookingSummaryInput): { html: SafeHtml; text: string } {
  const when = formatUtc(input.event.startsAt);
  const rows: [string, string][] = [
    ['Event', input.event.title],
    ['Where', input.event.venue],
    ['When', when],
  ];
  if (input.quantity !== undefined) rows.push(['Seats', String(input.quantity)]);
  if (input.total) rows.push(['Total', formatMoney(input.total.cents, input.total.currency)]);
  if (input.bookingId) rows.push(['Booking', input.bookingId]);
  return {
    text: rows.map(([label, value]) => `${label}: ${value}`).join('\n'),
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
