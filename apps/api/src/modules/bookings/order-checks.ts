import { AppError } from '../../kernel/app-error.js';
import type { InventoryCounts } from './inventory.repository.js';
import { appliesTo, heldBackSeats, isRedeemable, typeOnSale } from './order-pricing.js';
import type {
  OrderItemRequest,
  OrderRequest,
  OrderState,
  OrderTally,
  TicketTypeState,
  VoucherState,
} from './order-snapshot.js';
import { heldForQueue } from './waitlist-queue.js';

// Whether one order of a batch can be served, over the snapshot and what the batch's earlier
// orders took: the order decision's rules 2 to 7, in that order (the first that fails answers).

export interface OrderLine {
  type: TicketTypeState;
  quantity: number;
}

/** An order that can be served: its lines, their total quantity and the voucher it redeems. */
export interface OrderPlan {
  lines: OrderLine[];
  quantity: number;
  voucher: VoucherState | undefined;
}

const invalid = (message: string) => new AppError('VALIDATION_FAILED', message);

// One answer for a type that does not exist, is archived, is not on sale or is hidden: a hidden
// type is not disclosed to whoever lacks its voucher.
const notAvailable = (ticketTypeId: string) =>
  new AppError('TICKET_TYPE_NOT_AVAILABLE', 'This ticket type is not available', { ticketTypeId });

/** The items asked for; a bare quantity (the legacy call) is of the event's one open public type. */
function itemsOf(
  request: OrderRequest,
  types: readonly TicketTypeState[],
  now: Date,
): AppError | OrderItemRequest[] {
  const { items, quantity } = request;
  if (items === undefined) {
    if (quantity === undefined) return invalid('Give the items to book or a quantity');
    const open = types.filter((t) => !t.hidden && typeOnSale(t, now));
    const [only] = open;
    // With several types on sale, which one was meant is not ours to guess.
    if (open.length !== 1 || !only) return invalid('Choose a ticket type');
    return [{ ticketTypeId: only.id, quantity }];
  }
  if (quantity !== undefined) return invalid('Give either items or a quantity, not both');
  if (items.length === 0) return invalid('Choose at least one ticket type');
  // Merging duplicates would hide a client's mistake (two lines meant as two types).
  if (new Set(items.map((i) => i.ticketTypeId)).size !== items.length) {
    return invalid('Each ticket type may appear once in an order');
  }
  return items;
}

/** Seats still free in a quota after the batch's earlier orders; a quota not read has none. */
function quotaRoom(state: OrderState, tally: OrderTally, quotaId: string): number {
  const quota = state.quotas.get(quotaId);
  if (!quota) return 0;
  const moved = tally.quotas.get(quotaId) ?? { confirmed: 0, held: 0 };
  return Math.max(0, quota.size - quota.confirmed - quota.held - moved.confirmed - moved.held);
}

/**
 * Event-wide seats this order may take: what is free, less what other live vouchers' contingents
 * still hold back. Its own voucher's contingent is not held back from it: that is its seats.
 */
function eventRoom(
  state: OrderState,
  inventory: InventoryCounts,
  tally: OrderTally,
  voucher: VoucherState | undefined,
  now: Date,
): number {
  const free =
    inventory.capacity -
    inventory.confirmed -
    inventory.held -
    tally.seats.confirmed -
    tally.seats.held;
  const heldBack = heldBackSeats(state.vouchers.values(), now, {
    except: voucher?.id,
    taken: (v) => tally.vouchers.get(v.id)?.seats ?? 0,
  });
  return Math.max(0, free - heldBack);
}

/** Seats of a voucher's contingent not yet taken (by live bookings, or this batch). */
const contingentLeft = (voucher: VoucherState, tally: OrderTally) =>
  Math.max(0, voucher.reserved - voucher.seats - (tally.vouchers.get(voucher.id)?.seats ?? 0));

/** The plan to serve `request`, or why it is refused. Moves nothing: the caller books a plan. */
export function planOrder(
  request: OrderRequest,
  state: OrderState,
  inventory: InventoryCounts,
  tally: OrderTally,
  now: Date,
): AppError | OrderPlan {
  const asked = itemsOf(request, state.ticketTypes, now);
  if (asked instanceof AppError) return asked;
  if (asked.some((i) => !Number.isInteger(i.quantity) || i.quantity < 1)) {
    return invalid('Quantities are whole numbers from 1');
  }
  const code = request.voucherCode?.toLowerCase();
  const voucher = code === undefined ? undefined : state.vouchers.get(code);

  // Rule 3: each type is the event's, active, on sale, and unlocked if hidden. Whether the
  // voucher may be redeemed now is rule 5's question, so an expired code is told as such.
  const types = new Map(state.ticketTypes.map((t) => [t.id, t]));
  const lines: OrderLine[] = [];
  for (const item of asked) {
    const type = types.get(item.ticketTypeId);
    const unlocked = voucher?.unlocksHidden === true && appliesTo(voucher, item.ticketTypeId);
    if (!type || !typeOnSale(type, now) || (type.hidden && !unlocked)) {
      return notAvailable(item.ticketTypeId);
    }
    lines.push({ type, quantity: item.quantity });
  }

  // Rule 4: per type, per booking, per person (counting what the user booked in this batch).
  for (const { type, quantity } of lines) {
    if (quantity < type.minPerBooking || quantity > type.maxPerBooking) {
      return new AppError(
        'QUANTITY_LIMIT_EXCEEDED',
        `From ${type.minPerBooking} to ${type.maxPerBooking} of ${type.name} per booking`,
        {
          ticketTypeId: type.id,
          minPerBooking: type.minPerBooking,
          maxPerBooking: type.maxPerBooking,
        },
      );
    }
  }
  const quantity = lines.reduce((sum, l) => sum + l.quantity, 0);
  const { terms } = state;
  if (quantity > terms.maxPerBooking) {
    return new AppError(
      'QUANTITY_LIMIT_EXCEEDED',
      `At most ${terms.maxPerBooking} seats per booking`,
      { maxPerBooking: terms.maxPerBooking },
    );
  }
  const mine = tally.owned.get(request.principal.userId) ?? 0;
  if (terms.maxPerUser !== null && mine + quantity > terms.maxPerUser) {
    return new AppError('QUANTITY_LIMIT_EXCEEDED', `At most ${terms.maxPerUser} seats per person`, {
      maxPerUser: terms.maxPerUser,
      alreadyBooked: mine,
    });
  }

  // Rule 5: one use of a redeemable voucher that is worth something to this order.
  if (code !== undefined) {
    if (
      !voucher ||
      !isRedeemable(voucher, now) ||
      !lines.some((l) => appliesTo(voucher, l.type.id))
    ) {
      return new AppError('VOUCHER_INVALID', 'This voucher code is not valid for this order');
    }
    if (voucher.used + (tally.vouchers.get(voucher.id)?.uses ?? 0) >= voucher.maxUses) {
      return new AppError('VOUCHER_EXHAUSTED', 'This voucher has been used up');
    }
  }

  // Rule 6: what the waitlist keeps — its type's line, a quota an entry is short of, the event's
  // free seats — is not sold to a newcomer. A voucher's contingent is its holders' whoever
  // waits: what is left of it passes the lines and the event's hold, and is then all rule 7
  // counts. A quota an entry is short of is kept from everyone.
  const { queue } = state;
  const left = voucher ? contingentLeft(voucher, tally) : 0;
  const quotaHeld = lines.find((l) =>
    heldForQueue({ ...queue, types: new Set(), event: false }, l.type),
  );
  const lineHeld = lines.find((l) => queue.types.has(l.type.id));
  const kept = queue.event || lineHeld !== undefined;
  if (quotaHeld || (kept && left === 0)) {
    const held = quotaHeld ?? lineHeld;
    return new AppError('SOLD_OUT', 'Not enough seats left', {
      ...(held && { ticketTypeId: held.type.id }),
      available: 0,
    });
  }

  // Rule 7: every quota of every item's type (items sharing a quota add up), then the event.
  const free = eventRoom(state, inventory, tally, voucher, now);
  const room = kept ? Math.min(free, left) : free;
  const needs = new Map<string, number>();
  for (const { type, quantity: q } of lines) {
    let fits = true;
    for (const quotaId of type.quotaIds) {
      const need = (needs.get(quotaId) ?? 0) + q;
      needs.set(quotaId, need);
      if (need > quotaRoom(state, tally, quotaId)) fits = false;
    }
    if (!fits) {
      // What is left of this type (as if ordered alone): the tightest of its counts.
      const available = Math.min(room, ...type.quotaIds.map((id) => quotaRoom(state, tally, id)));
      return new AppError('SOLD_OUT', 'Not enough seats left', {
        ticketTypeId: type.id,
        available,
      });
    }
  }
  if (quantity > room) {
    return new AppError('SOLD_OUT', 'Not enough seats left', { available: room });
  }
  return { lines, quantity, voucher: code === undefined ? undefined : voucher };
}
