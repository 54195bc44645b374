/**
 * Figures per ticket type and per voucher, as deltas (pure). A booking event moves its booking's
 * lines the way it moves the booking in the per-event figures: created, held; confirmed, from
 * held to sold; cancelled or expired, out of whichever it was. Money moves them too: a payment
 * or refund of the booking is split over its lines (`splitOverLines`). The lines themselves
 * (types, quantities, totals, discounts, the voucher) are read from the source rows: no payload
 * carries them, and they never change after the booking is made.
 */

/**
 * How an event moves each of the booking's lines: seats by its quantity times `held`/`sold`;
 * `money` (signed cents: a payment +, a refund −) split over the lines as revenue.
 */
export interface LinesMove {
  held: -1 | 0 | 1;
  sold: -1 | 0 | 1;
  money: number;
}

/** One line of a booking, as booked. */
export interface BookingLine {
  ticketTypeId: string;
  quantity: number;
  totalCents: number;
  discountCents: number;
}

export interface BookingLines {
  lines: readonly BookingLine[];
  /** The voucher the booking was made with, if any (one per booking). */
  voucherId: string | null;
}

/** Columns of analytics_ticket_type_stats. */
export interface TypeDelta {
  tickets_sold: number;
  tickets_held: number;
  revenue_cents: number;
}

/** Columns of analytics_voucher_stats. */
export interface VoucherDelta {
  redemptions: number;
  discount_cents: number;
}

export const ZERO_TYPE: TypeDelta = { tickets_sold: 0, tickets_held: 0, revenue_cents: 0 };
export const ZERO_VOUCHER: VoucherDelta = { redemptions: 0, discount_cents: 0 };

export interface LineDeltas {
  /** By ticket type id; every type the booking has a line of (a zero delta still makes its row). */
  types: Map<string, TypeDelta>;
  /** The booking's voucher: a use counts while the booking is confirmed, with its discounts. */
  voucher: { voucherId: string; delta: VoucherDelta } | null;
}

/**
 * `amount` split over `lines` in proportion to their totals, so that the parts add up to
 * `amount` exactly: line i gets ⌊A·Cᵢ/T⌋ − ⌊A·Cᵢ₋₁/T⌋ (Cᵢ the totals of lines 1..i, T all of
 * them, A = |amount|), with amount's sign. A payment of the whole total gives each line its
 * total; a refund's parts are the same for the same amount. Lines that cost nothing take it all
 * on the first. The rebuild computes the same in SQL (`rebuild.repository.ts`): keep them alike.
 */
export function splitOverLines(amount: number, lines: readonly BookingLine[]): number[] {
  const sign = amount < 0 ? -1n : 1n;
  const a = BigInt(Math.abs(amount));
  const total = lines.reduce((n, line) => n + BigInt(line.totalCents), 0n);
  if (total === 0n) return lines.map((_, i) => (i === 0 ? amount : 0));
  let upTo = 0n;
  let before = 0n;
  return lines.map((line) => {
    upTo += BigInt(line.totalCents);
    const share = (a * upTo) / total;
    const part = share - before;
    before = share;
    return Number(sign * part);
  });
}

/**
 * What `move` changes for `booking`'s lines. Revenue is the booking's money (payments less
 * refunds) split over its lines, so the types add up to the event's revenue. A voucher's
 * redemptions and discount count while the booking is confirmed, so a hold's use (already taken
 * from the voucher's budget) counts only once confirmed, and a cancelled confirmed booking takes
 * its use back. Its row is made with the booking (a zero delta): a voucher used in any order is
 * listed.
 */
export function lineDeltas(move: LinesMove, booking: BookingLines): LineDeltas {
  const types = new Map<string, TypeDelta>();
  const money = move.money === 0 ? [] : splitOverLines(move.money, booking.lines);
  let discount = 0;
  for (const [i, line] of booking.lines.entries()) {
    const into = types.get(line.ticketTypeId) ?? { ...ZERO_TYPE };
    into.tickets_held += move.held * line.quantity;
    into.tickets_sold += move.sold * line.quantity;
    into.revenue_cents += money[i] ?? 0;
    types.set(line.ticketTypeId, into);
    discount += line.discountCents;
  }
  const voucher = booking.voucherId
    ? {
        voucherId: booking.voucherId,
        delta: { redemptions: move.sold, discount_cents: move.sold * discount },
      }
    : null;
  return { types, voucher };
}

/** Adds `delta` (times `sign`) into `into`, key by key. */
export function addInto<K extends string>(
  into: Record<K, number>,
  delta: Readonly<Record<K, number>>,
  sign: 1 | -1 = 1,
): void {
  for (const key of Object.keys(delta) as K[]) into[key] += sign * delta[key];
}
