import type { Database } from '@evently/db';
import { sql, type Transaction } from 'kysely';

/** How a change moves a booking's seats: each of its lines' quantity, times these signs. */
export interface SeatMove {
  confirmed: -1 | 0 | 1;
  held: -1 | 0 | 1;
}

/** A pending booking confirmed: its seats go from held to confirmed. */
export const CONFIRM: SeatMove = { confirmed: 1, held: -1 };
/** A new hold (a waitlist offer). */
export const HOLD: SeatMove = { confirmed: 0, held: 1 };
/** A live booking ended: what it held or owned is free again. */
export const releaseOf = (status: 'pending' | 'confirmed'): SeatMove =>
  status === 'pending' ? { confirmed: 0, held: -1 } : { confirmed: -1, held: 0 };

/**
 * The seats of ticket types that share quotas and vouchers, counted where the event-wide count
 * (`event_inventory`) is: every change of a booking's seats moves the quotas its lines' types are
 * in, and an ended booking gives its voucher use back. Callers have already moved (and so
 * locked, and versioned) the event's inventory row in the same transaction: the allocator reads
 * that row's version as the version of the event's whole inventory, quotas and vouchers included.
 * The CHECKs on `quotas` and `vouchers` stay the last line. Their own versions are their
 * definitions' (size, types, limits) and do not move with seats: an organizer raising a quota
 * during a sale is not refused VERSION_CONFLICT for every ticket sold since they read it.
 */
export const quotaSeatsRepository = {
  async move(trx: Transaction<Database>, bookingIds: readonly string[], move: SeatMove) {
    if (bookingIds.length === 0 || (move.confirmed === 0 && move.held === 0)) return;
    await sql`
      UPDATE quotas q SET confirmed = q.confirmed + ${move.confirmed}::int * d.n,
        held = q.held + ${move.held}::int * d.n, updated_at = now()
      FROM (
        SELECT qt.quota_id, sum(i.quantity)::int AS n
        FROM booking_items i JOIN quota_ticket_types qt ON qt.ticket_type_id = i.ticket_type_id
        WHERE i.booking_id = ANY(${[...bookingIds]}::uuid[])
        GROUP BY qt.quota_id
      ) d
      WHERE q.id = d.quota_id`.execute(trx);
  },

  /** Ended bookings give their voucher's use (and its reserved seats) back, once. */
  async releaseVouchers(trx: Transaction<Database>, bookingIds: readonly string[], at: Date) {
    if (bookingIds.length === 0) return;
    await sql`
      WITH released AS (
        UPDATE voucher_redemptions SET released_at = ${at}
        WHERE booking_id = ANY(${[...bookingIds]}::uuid[]) AND released_at IS NULL
        RETURNING voucher_id, seats
      ), d AS (
        SELECT voucher_id, count(*)::int AS uses, sum(seats)::int AS seats
        FROM released GROUP BY voucher_id
      )
      UPDATE vouchers v SET used = v.used - d.uses, seats = v.seats - d.seats, updated_at = ${at}
      FROM d WHERE v.id = d.voucher_id`.execute(trx);
  },

  /**
   * An expired booking sold again (a payment arrived late and its seats remain): its voucher use
   * is taken again, under the vouchers' CHECKs.
   */
  async redeemAgain(trx: Transaction<Database>, bookingId: string, at: Date) {
    await sql`
      WITH taken AS (
        UPDATE voucher_redemptions SET released_at = NULL
        WHERE booking_id = ${bookingId} AND released_at IS NOT NULL
        RETURNING voucher_id, seats
      )
      UPDATE vouchers v SET used = v.used + 1, seats = v.seats + taken.seats, updated_at = ${at}
      FROM taken WHERE v.id = taken.voucher_id`.execute(trx);
  },
};
