import { randomUUID } from 'node:crypto';
import { denial } from '../../access/access-policy.js';
import { AppError } from '../../kernel/app-error.js';
import type { UserPrincipal } from '../../kernel/principal.js';
import { type BookingTerms, isOnSale } from '../events/booking-terms.js';
import type { BookingLines } from './booking-items.repository.js';
import type { BookingRow } from './bookings.repository.js';
import type { KeyRef } from './idempotency.repository.js';
import type {
  BatchWrite,
  OrderItemRow,
  OrderRequest,
  OrderState,
  OrderTally,
  SeatSnapshot,
} from './order-snapshot.js';

export type {
  OrderItemRequest,
  OrderItemRow,
  OrderRequest,
  OrderState,
  OrderTally,
  QuotaState,
  SeatSnapshot,
  TicketTypeState,
  VoucherEffect,
  VoucherState,
} from './order-snapshot.js';

import { type OrderPlan, planOrder } from './order-checks.js';
import { priceItem } from './order-pricing.js';
import { type OrderSeats, seatOrder } from './order-seats.js';

// The allocator's vocabulary: what a request of a batch gets, and the refusals every decision
// shares.

export const CREATE_SCOPE = 'bookings.create';

/** What one request of a batch gets. */
export type Decision =
  /** `lines`: what it was sold as, so the answer needs no read of what the batch wrote. */
  | { ok: true; row: BookingRow; lines: BookingLines }
  | { ok: false; error: AppError }
  | { ok: 'replay'; bookingId: string };

export interface DecideOptions {
  now: Date;
  holdMinutes: number;
  /** Ids of new bookings; injectable so a decision can be replayed in a test. */
  newId?: () => string;
}

/** Why a request for an event not on sale is refused: someone else's draft is not disclosed. */
export function refusal(terms: BookingTerms | undefined, principal: UserPrincipal): AppError {
  if (!terms) return new AppError('NOT_FOUND', 'Event not found');
  return (
    denial(principal, 'event.book', terms) ??
    new AppError('EVENT_NOT_BOOKABLE', 'This event is not on sale')
  );
}

/** A request's key as recorded: per user. */
export const keyIdOf = (r: { principal: UserPrincipal; idempotencyKey?: string | undefined }) =>
  r.idempotencyKey ? `${r.principal.userId}:${r.idempotencyKey}` : null;

/** What to do with a batch of orders; as decideBatch's BatchDecision, with Inventory v2's rows. */
export type OrderBatchDecision =
  | { kind: 'answer'; decisions: Decision[] }
  | { kind: 'forget-keys'; keys: KeyRef[] }
  | {
      kind: 'write';
      inventoryVersion: number;
      eventVersion: number;
      decisions: Decision[];
      bookings: BookingRow[];
      items: OrderItemRow[];
      keys: BatchWrite['keys'];
      /** Event-wide deltas. */
      seats: BatchWrite['seats'];
      /** Deltas of every quota the batch touches, with the version read. */
      quotas: Array<{ id: string; version: number; confirmed: number; held: number }>;
      /** Deltas of every voucher the batch redeems, with the version read. */
      vouchers: Array<{ id: string; version: number; uses: number; seats: number }>;
      redemptions: Array<{ booking_id: string; voucher_id: string; seats: number }>;
      /** The reserved seats the new bookings took from the snapshot's seat index. */
      seatAllocations: BatchWrite['seatAllocations'];
    };

/** The idempotency keys a batch carries (keyRefsOf's, for orders: theirs may have no quantity). */
export function orderKeyRefsOf(batch: readonly OrderRequest[]): KeyRef[] {
  return batch.flatMap((r) =>
    r.idempotencyKey ? [{ userId: r.principal.userId, key: r.idempotencyKey }] : [],
  );
}

/** The voucher codes a batch names, lower-cased, to read their vouchers with the snapshot. */
export function voucherCodesOf(batch: readonly OrderRequest[]): string[] {
  return [...new Set(batch.flatMap((r) => (r.voucherCode ? [r.voucherCode.toLowerCase()] : [])))];
}

/** A request whose key is on record or earlier in the batch: answered as decideBatch does. */
function keyedAnswer(
  request: OrderRequest,
  stored: { requestHash: string; resultId: string | null } | undefined,
  earlier: Decision | undefined,
  earlierHash: string | undefined,
): Decision {
  if ((stored?.requestHash ?? earlierHash) !== request.requestHash) {
    return {
      ok: false,
      error: new AppError(
        'IDEMPOTENCY_KEY_REUSED',
        'This idempotency key was used with other parameters',
      ),
    };
  }
  if (stored?.resultId) return { ok: 'replay', bookingId: stored.resultId };
  // The same key twice in this batch: answered like the first.
  return earlier?.ok === true
    ? earlier
    : { ok: false, error: new AppError('INTERNAL', 'No booking for a repeated key') };
}

/**
 * Inventory v2's allocator rules, a pure function of one snapshot and the batch in arrival
 * order, like decideBatch: each order is all or nothing; one that is refused moves no counter
 * and blocks no smaller one after it. An order takes its seats from the event-wide count, from
 * every quota of each item's type and, past what vouchers' contingents hold back, from the
 * public; its price is each type's, less its voucher's discount. A booking that costs nothing
 * confirms at once; any other is held for `holdMinutes`, until the sales close at the latest.
 * A line of a type with reserved seats takes its seats from the snapshot's seat index last
 * (order-seats.ts): the index is the batch's own, so two orders never take the same seat.
 */
export function decideBatch(
  eventId: string,
  state: OrderState | undefined,
  batch: readonly OrderRequest[],
  options: DecideOptions,
): OrderBatchDecision {
  const { now } = options;
  const newId = options.newId ?? randomUUID;
  if (!state?.inventory || !isOnSale(state.terms, now)) {
    return {
      kind: 'answer',
      decisions: batch.map((r) => ({ ok: false, error: refusal(state?.terms, r.principal) })),
    };
  }
  const expired = orderKeyRefsOf(batch).filter(
    (r) => state.keys.get(`${r.userId}:${r.key}`)?.live === false,
  );
  if (expired.length > 0) return { kind: 'forget-keys', keys: expired };

  const { terms, inventory } = state;
  const holdUntil = new Date(
    Math.min(now.getTime() + options.holdMinutes * 60_000, terms.salesCloseAt.getTime()),
  );
  const tally: OrderTally = {
    seats: { confirmed: 0, held: 0 },
    quotas: new Map(),
    vouchers: new Map(),
    owned: new Map(state.owned),
  };
  const decisions: Decision[] = [];
  const bookings: BookingRow[] = [];
  const items: OrderItemRow[] = [];
  const redemptions: Array<{ booking_id: string; voucher_id: string; seats: number }> = [];
  const keyedInBatch = new Map<string, { hash: string; index: number }>();
  const keys: BatchWrite['keys'] = [];
  const seatAllocations: Array<{ seat_id: string; booking_id: string }> = [];

  for (const [index, request] of batch.entries()) {
    const keyId = keyIdOf(request);
    const stored = keyId ? state.keys.get(keyId) : undefined;
    const earlier = keyId ? keyedInBatch.get(keyId) : undefined;
    if (stored || earlier) {
      const first = earlier ? decisions[earlier.index] : undefined;
      decisions.push(keyedAnswer(request, stored, first, earlier?.hash));
      continue;
    }
    const plan = planOrder(request, state, inventory, tally, now);
    if (plan instanceof AppError) {
      decisions.push({ ok: false, error: plan });
      continue;
    }
    const seats = seatsOf(request, plan, state.seating);
    if (seats instanceof AppError) {
      decisions.push({ ok: false, error: seats });
      continue;
    }
    const row = book(eventId, request, plan, terms.currency, holdUntil, now, newId, tally, {
      seats,
      snapshot: state.seating,
    });
    bookings.push(row.booking);
    for (const seatId of seats.flat()) {
      seatAllocations.push({ seat_id: seatId, booking_id: row.booking.id });
    }
    items.push(...row.items);
    if (plan.voucher) {
      redemptions.push({
        booking_id: row.booking.id,
        voucher_id: plan.voucher.id,
        seats: plan.quantity,
      });
    }
    decisions.push({ ok: true, row: row.booking, lines: row.lines });
    if (keyId && request.idempotencyKey) {
      keyedInBatch.set(keyId, { hash: request.requestHash, index });
      keys.push({
        userId: request.principal.userId,
        scope: CREATE_SCOPE,
        key: request.idempotencyKey,
        requestHash: request.requestHash,
        resultId: row.booking.id,
      });
    }
  }
  if (bookings.length === 0) return { kind: 'answer', decisions };
  const vouchersById = new Map([...state.vouchers.values()].map((v) => [v.id, v]));
  return {
    kind: 'write',
    inventoryVersion: inventory.version,
    eventVersion: terms.version,
    decisions,
    bookings,
    items,
    keys,
    seats: tally.seats,
    quotas: [...tally.quotas].map(([id, d]) => ({
      id,
      version: state.quotas.get(id)?.version ?? 0,
      ...d,
    })),
    vouchers: [...tally.vouchers].map(([id, d]) => ({
      id,
      version: vouchersById.get(id)?.version ?? 0,
      ...d,
    })),
    redemptions,
    seatAllocations,
  };
}

const NO_TYPES: ReadonlySet<string> = new Set();

/** The seats of an order's lines, each line with what its item asked (seats, together). */
function seatsOf(
  request: OrderRequest,
  plan: OrderPlan,
  seating: SeatSnapshot | undefined,
): OrderSeats | AppError {
  const asked = new Map((request.items ?? []).map((i) => [i.ticketTypeId, i]));
  return seatOrder(
    plan.lines.map((l) => ({
      ticketTypeId: l.type.id,
      quantity: l.quantity,
      seatIds: asked.get(l.type.id)?.seatIds,
      together: asked.get(l.type.id)?.together,
    })),
    seating?.index,
    seating?.seatedTypes ?? NO_TYPES,
  );
}

/** The rows of an accepted order, its counters moved in `tally`. */
function book(
  eventId: string,
  request: OrderRequest,
  plan: OrderPlan,
  currency: string,
  holdUntil: Date,
  now: Date,
  newId: () => string,
  tally: OrderTally,
  seating: { seats: OrderSeats; snapshot: SeatSnapshot | undefined },
): { booking: BookingRow; items: OrderItemRow[]; lines: BookingLines } {
  const id = newId();
  const priced = plan.lines.map((l) => ({ ...l, ...priceItem(l.type, l.quantity, plan.voucher) }));
  const total = priced.reduce((sum, l) => sum + l.totalCents, 0);
  const confirmNow = total === 0;
  const counter = confirmNow ? 'confirmed' : 'held';
  tally.seats[counter] += plan.quantity;
  for (const line of plan.lines) {
    for (const quotaId of line.type.quotaIds) {
      const moved = tally.quotas.get(quotaId) ?? { confirmed: 0, held: 0 };
      tally.quotas.set(quotaId, { ...moved, [counter]: moved[counter] + line.quantity });
    }
  }
  if (plan.voucher) {
    const moved = tally.vouchers.get(plan.voucher.id) ?? { uses: 0, seats: 0 };
    tally.vouchers.set(plan.voucher.id, {
      uses: moved.uses + 1,
      seats: moved.seats + plan.quantity,
    });
  }
  const userId = request.principal.userId;
  tally.owned.set(userId, (tally.owned.get(userId) ?? 0) + plan.quantity);
  const booking: BookingRow = {
    id,
    event_id: eventId,
    user_id: userId,
    quantity: plan.quantity,
    status: confirmNow ? 'confirmed' : 'pending',
    // Legacy columns: the first item's price, and what the whole booking costs.
    unit_price_cents: String(priced[0]?.unitPriceCents ?? 0),
    total_cents: String(total),
    currency,
    expires_at: confirmNow ? null : holdUntil,
    created_at: now,
    updated_at: now,
    confirmed_at: confirmNow ? now : null,
    cancelled_at: null,
    cancel_reason: null,
    waitlist_entry_id: null,
  };
  const items = priced.map((l, position) => ({
    id: newId(),
    booking_id: id,
    ticket_type_id: l.type.id,
    position,
    quantity: l.quantity,
    unit_price_cents: l.unitPriceCents,
    discount_cents: l.discountCents,
    total_cents: l.totalCents,
  }));
  const lines: BookingLines = {
    items: priced.map((l, i) => {
      const seats = seating.snapshot?.labels(seating.seats[i] ?? []) ?? [];
      return {
        ticketTypeId: l.type.id,
        name: l.type.name,
        quantity: l.quantity,
        unitPriceCents: l.unitPriceCents,
        discountCents: l.discountCents,
        totalCents: l.totalCents,
        ...(seats.length > 0 ? { seats } : {}),
      };
    }),
    voucherCode: plan.voucher?.code ?? null,
  };
  return { booking, items, lines };
}
