/**
 * Conversions between what the forms hold (strings, as typed) and what the API takes: instants
 * as ISO-8601 with an offset, money in minor units, optional numbers as null.
 */

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as a `datetime-local` input's value, in the reader's own time zone. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` value (the reader's time zone) as an ISO instant; '' is null. */
export function fromLocalInput(local: string): string | null {
  if (!local) return null;
  const time = new Date(local).getTime();
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/** Two instants are the same moment (whatever their spelling); both null counts as the same. */
export function sameInstant(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return new Date(a).getTime() === new Date(b).getTime();
}

/** Minor units as the amount people type: 1250 → "12.50". */
export function toAmountInput(cents: number | null | undefined): string {
  if (cents === null || cents === undefined) return '';
  return (cents / 100).toFixed(2);
}

/**
 * A typed amount as minor units: "12", "12.5", "12,50" → 1200, 1250, 1250; anything else is
 * NaN (the form says so before sending).
 */
export function fromAmountInput(amount: string): number {
  const text = amount.trim().replace(',', '.');
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return Number.NaN;
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? '').padEnd(2, '0'));
  return whole * 100 + fraction;
}

/** A whole number typed in an input; '' is null, anything else not whole is NaN. */
export function wholeOrNull(text: string): number | null {
  if (text.trim() === '') return null;
  const n = Number(text);
  return Number.isInteger(n) ? n : Number.NaN;
}

/** A problem with the form found before sending, said the way an API refusal would be. */
export class FormProblem extends Error {}

/** A whole number the form requires. */
export function requiredWhole(text: string, label: string): number {
  const n = wholeOrNull(text);
  if (n === null || Number.isNaN(n)) throw new FormProblem(`${label}: enter a whole number.`);
  return n;
}

/** An amount the form requires, in minor units. */
export function requiredAmount(text: string, label: string): number {
  const cents = fromAmountInput(text);
  if (Number.isNaN(cents)) {
    throw new FormProblem(`${label}: enter an amount such as 12 or 12.50.`);
  }
  return cents;
}

/** An instant the form requires. */
export function requiredInstant(local: string, label: string): string {
  const iso = fromLocalInput(local);
  if (!iso) throw new FormProblem(`${label}: choose a date and time.`);
  return iso;
}
