import type { BookedSeat, VoucherEffect } from '@evently/contracts';
import type { OutboxRow } from '@evently/db';
import type { AuditRow } from '../../audit/audit.repository.js';
import type { UserPrincipal } from '../../kernel/principal.js';
import type { BookingTerms } from '../events/booking-terms.js';
import type { SeatIndex } from '../seating/seat-index.js';
import type { BookingRow } from './bookings.repository.js';
import type { InventoryCounts } from './inventory.repository.js';
import type { QueueHolds } from './waitlist-queue.js';

// What an order batch is decided over (the allocator's snapshot of an event, by ticket type) and
// what it asks: shared by the decision and its checks.

/** A ticket type of the event as the snapshot read it. */
export interface TicketTypeState {
  id: string;
  name: string;
  priceCents: number;
  minPerBooking: number;
  maxPerBooking: number;
  /** Its own sales window, [salesStartAt, salesEndAt); null: the event's. */
  salesStartAt: Date | null;
  salesEndAt: Date | null;
  /** Sold only with a voucher that unlocks it. */
  hidden: boolean;
  status: 'active' | 'archived';
  /** Every quota a seat of this type counts against. */
  quotaIds: string[];
}

/** A cap shared by one or more types. */
export interface QuotaState {
  id: string;
  size: number;
  confirmed: number;
  held: number;
  version: number;
}

/** What a voucher takes off: the contract's shape (the vouchers module writes it). */
export type { VoucherEffect };

export interface VoucherState {
  id: string;
  /** Lower-case: codes are case-insensitive. */
  code: string;
  maxUses: number;
  used: number;
  validFrom: Date | null;
  validUntil: Date | null;
  effect: VoucherEffect;
  /** null: every type of the event. */
  ticketTypeIds: string[] | null;
  unlocksHidden: boolean;
  /** Seats held back from public sale for its holders. */
  reserved: number;
  /** Seats in live bookings made with it (what of `reserved` is taken). */
  seats: number;
  disabled: boolean;
  version: number;
}

/** Everything an order batch's decision rests on: the allocator's snapshot, by ticket type. */
export interface OrderState extends BatchState {
  /** The event's types, in display order. */
  ticketTypes: TicketTypeState[];
  /** Every quota of the event, by id. */
  quotas: Map<string, QuotaState>;
  /**
   * By lower-case code: every voucher a request of the batch names (usable or not), and every
   * live one with a contingent (its reserved seats matter to everyone).
   */
  vouchers: Map<string, VoucherState>;
  /** What the waitlist keeps from newcomers (see waitlist-queue.ts). */
  queue: QueueHolds;
  /** The event's reserved seats; absent without a seating plan. */
  seating?: SeatSnapshot | undefined;
}

/** An event's reserved seats as a batch decides on them (see seat-snapshots.ts). */
export interface SeatSnapshot {
  /** Free seats as of the batch's read; a decision takes its seats from it as it goes. */
  index: SeatIndex;
  /** Types with seats in the plan: they are sold with seats only. */
  seatedTypes: ReadonlySet<string>;
  /** Seats as their booking names them, in the order it lists them (section, row, seat). */
  labels(seatIds: readonly string[]): BookedSeat[];
}

export interface OrderItemRequest {
  ticketTypeId: string;
  quantity: number;
  /** Exactly these seats (a seated type), all or none. */
  seatIds?: string[] | undefined;
  /** Best-available seats together in one row (the default) or wherever they are. */
  together?: boolean | undefined;
}

/** One caller's order, as the allocator queued it: items, or a bare quantity (the legacy call). */
export interface OrderRequest {
  principal: UserPrincipal;
  items?: OrderItemRequest[];
  quantity?: number;
  voucherCode?: string;
  idempotencyKey: string | undefined;
  requestHash: string;
}

/** The counters the batch's accepted orders have moved so far (the snapshot's are untouched). */
export interface OrderTally {
  seats: { confirmed: number; held: number };
  quotas: Map<string, { confirmed: number; held: number }>;
  vouchers: Map<string, { uses: number; seats: number }>;
  owned: Map<string, number>;
}

/** Everything a batch decision rests on, read in one round trip. */
export interface BatchState {
  terms: BookingTerms;
  inventory: InventoryCounts | null;
  /** Seats each of the batch's users already holds or owns (only when maxPerUser is set). */
  owned: Map<string, number>;
  /** The batch's idempotency keys already on record, by `${userId}:${key}`. */
  keys: Map<string, { requestHash: string; resultId: string | null; live: boolean }>;
}

export interface BatchWrite {
  eventId: string;
  /** The bookings' lines, each quota's and voucher's deltas, and the voucher uses. */
  items: OrderItemRow[];
  quotas: ReadonlyArray<{ id: string; confirmed: number; held: number }>;
  vouchers: ReadonlyArray<{ id: string; uses: number; seats: number }>;
  redemptions: ReadonlyArray<{ booking_id: string; voucher_id: string; seats: number }>;
  /** The versions the decision was made on: the write happens only if neither moved. */
  inventoryVersion: number;
  eventVersion: number;
  seats: { confirmed: number; held: number };
  /** Complete rows (ids and timestamps set by the caller): nothing needs reading back. */
  bookings: BookingRow[];
  keys: { userId: string; scope: string; key: string; requestHash: string; resultId: string }[];
  /** The reserved seats the new bookings take (the live-allocation index is the proof). */
  seatAllocations: ReadonlyArray<{ seat_id: string; booking_id: string }>;
  outbox: OutboxRow[];
  audits: AuditRow[];
}

/** A line of a new booking, as the batch writes it. */
export interface OrderItemRow {
  id: string;
  booking_id: string;
  ticket_type_id: string;
  /** The item's place in its booking, from 0 (the request's order). */
  position: number;
  quantity: number;
  unit_price_cents: number;
  discount_cents: number;
  total_cents: number;
}
