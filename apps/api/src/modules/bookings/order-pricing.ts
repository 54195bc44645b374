import type { TicketTypeState, VoucherEffect, VoucherState } from './order-snapshot.js';

// What a voucher is worth and when it counts: pure helpers of the order decision.

const before = (a: Date | null, now: Date) => a === null || a.getTime() <= now.getTime();
const after = (b: Date | null, now: Date) => b === null || now.getTime() < b.getTime();

/** A voucher with no types of its own applies to every type of its event. */
export const appliesTo = (voucher: VoucherState, ticketTypeId: string): boolean =>
  voucher.ticketTypeIds === null || voucher.ticketTypeIds.includes(ticketTypeId);

/** May be redeemed now (its uses apart): enabled and within [validFrom, validUntil). */
export const isRedeemable = (voucher: VoucherState, now: Date): boolean =>
  !voucher.disabled && before(voucher.validFrom, now) && after(voucher.validUntil, now);

/**
 * Holds its contingent back: enabled and not yet over. A voucher not valid yet already holds it,
 * or its seats would be sold before its holders may use it.
 */
export const holdsContingent = (voucher: VoucherState, now: Date): boolean =>
  !voucher.disabled && after(voucher.validUntil, now);

/**
 * Seats live vouchers' contingents still hold back from everyone but their holders: `except` is
 * the caller's own voucher (its contingent is its seats), `taken` what a batch took of each
 * meanwhile.
 */
export function heldBackSeats(
  vouchers: Iterable<VoucherState>,
  now: Date,
  options: { except?: string | undefined; taken?: (voucher: VoucherState) => number } = {},
): number {
  let held = 0;
  for (const v of vouchers) {
    if (v.id === options.except || v.reserved === 0 || !holdsContingent(v, now)) continue;
    held += Math.max(0, v.reserved - v.seats - (options.taken?.(v) ?? 0));
  }
  return held;
}

/** How a type stands for its waitlist line: sold now, not yet, or never again. */
export function typeSale(type: TicketTypeState, now: Date): 'open' | 'later' | 'over' {
  if (type.status !== 'active' || !after(type.salesEndAt, now)) return 'over';
  return before(type.salesStartAt, now) ? 'open' : 'later';
}

/** A type's own sales window, [salesStartAt, salesEndAt); null bounds are the event's (checked). */
export const typeOnSale = (type: TicketTypeState, now: Date): boolean =>
  type.status === 'active' && before(type.salesStartAt, now) && after(type.salesEndAt, now);

/**
 * The discount on `quantity` seats at `unitCents`: a percentage of the line rounded down (the
 * buyer never gets more than the percentage), a fixed amount off each seat, or a fixed price per
 * seat. Never more than the line itself, so an item's total is never negative.
 */
export function discountCents(effect: VoucherEffect, unitCents: number, quantity: number): number {
  const gross = unitCents * quantity;
  const discount =
    effect.kind === 'percent'
      ? Math.floor((gross * effect.percent) / 100)
      : effect.kind === 'amount'
        ? Math.min(effect.amountCents, unitCents) * quantity
        : effect.kind === 'price'
          ? Math.max(0, unitCents - effect.priceCents) * quantity
          : 0;
  return Math.min(gross, Math.max(0, discount));
}

export interface PricedItem {
  unitPriceCents: number;
  discountCents: number;
  totalCents: number;
}

/** An item at its type's price, discounted only if the booking's voucher applies to its type. */
export function priceItem(
  type: TicketTypeState,
  quantity: number,
  voucher: VoucherState | undefined,
): PricedItem {
  const unit = type.priceCents;
  const discount =
    voucher && appliesTo(voucher, type.id) ? discountCents(voucher.effect, unit, quantity) : 0;
  return { unitPriceCents: unit, discountCents: discount, totalCents: unit * quantity - discount };
}
