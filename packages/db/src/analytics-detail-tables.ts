import type { ColumnType, Generated } from 'kysely';

// The analytics read models per ticket type and per voucher (migration
// 2026-12-06-007-analytics-by-type): what the projection folds booking lines into.

/** An event's figures per ticket type: seats of its lines held, sold, and their totals sold. */
export interface AnalyticsTicketTypeStatsTable {
  event_id: string;
  ticket_type_id: string;
  tickets_sold: Generated<number>;
  tickets_held: Generated<number>;
  /** int8: read back as a string. */
  revenue_cents: ColumnType<string, number | string | undefined, number | string>;
}

/** An event's figures per voucher used in an order: confirmed uses and their discounts. */
export interface AnalyticsVoucherStatsTable {
  event_id: string;
  voucher_id: string;
  redemptions: Generated<number>;
  /** int8: read back as a string. */
  discount_cents: ColumnType<string, number | string | undefined, number | string>;
}

/** Events a rebuild of the read models has covered (see rebuild.ts in the analytics module). */
export interface AnalyticsRebuildCoveredTable {
  event_id: string;
}
