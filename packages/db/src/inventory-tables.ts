import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Timestamp } from './column-types.js';

// The tables of ticket types, quotas, vouchers and booking items (migration
// 2026-12-06-005-ticket-types): what an event sells, the limits its types share, its codes, and
// each booking's lines. The event-wide capacity stays `event_inventory`.

/** A kind of ticket an event sells; every event so far got one, 'General admission'. */
export interface TicketTypesTable {
  id: Generated<string>;
  event_id: string;
  name: string;
  description: Generated<string>;
  /** int8: read back as a string. */
  price_cents: ColumnType<string, number | string, number | string>;
  min_per_booking: Generated<number>;
  max_per_booking: Generated<number>;
  /** Null: the event's own sales window. */
  sales_start_at: Timestamp | null;
  sales_end_at: Timestamp | null;
  hidden: Generated<boolean>;
  status: Generated<'active' | 'archived'>;
  /** Display order within the event. */
  position: Generated<number>;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** Seats shared by some ticket types of an event; a CHECK refuses confirmed + held > size. */
export interface QuotasTable {
  id: Generated<string>;
  event_id: string;
  name: string;
  size: number;
  confirmed: Generated<number>;
  held: Generated<number>;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface QuotaTicketTypesTable {
  quota_id: string;
  ticket_type_id: string;
}

/** A code of an event; a CHECK refuses used > max_uses. */
export interface VouchersTable {
  id: Generated<string>;
  event_id: string;
  /** Stored lower-cased (codes are case-insensitive); unique per event. */
  code: string;
  max_uses: Generated<number>;
  used: Generated<number>;
  valid_from: Timestamp | null;
  valid_until: Timestamp | null;
  effect_kind: 'percent' | 'amount' | 'price' | 'none';
  /** int8: read back as a string. 1..100 for percent, cents for amount and price, 0 for none. */
  effect_value: ColumnType<string, number | string | undefined, number | string>;
  unlocks_hidden: Generated<boolean>;
  /** Seats held back from public sale for its holders until valid_until. */
  reserved: Generated<number>;
  /** Seats in live bookings made with it (what of `reserved` is taken). */
  seats: Generated<number>;
  disabled_at: Timestamp | null;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** The types a voucher applies to; none: every type of its event. */
export interface VoucherTicketTypesTable {
  voucher_id: string;
  ticket_type_id: string;
}

/** A line of a booking: total = unit * quantity - discount (a CHECK). */
export interface BookingItemsTable {
  id: Generated<string>;
  booking_id: string;
  ticket_type_id: string;
  position: Generated<number>;
  quantity: number;
  /** int8: read back as strings. The type's price when booked. */
  unit_price_cents: ColumnType<string, number | string, number | string>;
  discount_cents: ColumnType<string, number | string | undefined, number | string>;
  total_cents: ColumnType<string, number | string, number | string>;
}

/** One voucher use per booking. */
export interface VoucherRedemptionsTable {
  booking_id: string;
  voucher_id: string;
  seats: number;
  redeemed_at: Timestamp;
  /** Set when the booking is cancelled or expires: its use is given back. */
  released_at: Timestamp | null;
}
