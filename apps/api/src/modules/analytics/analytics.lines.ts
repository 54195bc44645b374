/**
 * Figures per ticket type and per voucher, as deltas (pure). A booking event moves its booking's
 * lines the way it moves the booking in the per-event figures: created, held; confirmed, from
 * held to sold; cancelled or expired, out of whichever it was. The lines themselves (types,
 * quantities, totals, discounts, the voucher) are read from the source rows: no payload carries
 * them, and they never change after the booking is made.
 */

/** How a booking event moves each of its lines' seats: its quantity times these signs. */
export interface LinesMove {
  held: -1 | 0 | 1;
  sold: -1 | 0 | 1;
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
 * What `move` changes for `booking`'s lines. Revenue is the lines' totals (after discounts),
 * counted like the event's revenue: while the booking is confirmed. A voucher's redemptions and
 * discount follow the same rule, so a hold's use (already taken from the voucher's budget) counts
 * only once confirmed, and a cancelled confirmed booking takes its use back. Its row is made with
 * the booking (a zero delta): a voucher used in any order is listed.
 */
export function lineDeltas(move: LinesMove, booking: BookingLines): LineDeltas {
  const types = new Map<string, TypeDelta>();
  let discount = 0;
  for (const line of booking.lines) {
    const into = types.get(line.ticketTypeId) ?? { ...ZERO_TYPE };
    into.tickets_held += move.held * line.quantity;
    into.tickets_sold += move.sold * line.quantity;
    into.revenue_cents += move.sold * line.totalCents;
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
