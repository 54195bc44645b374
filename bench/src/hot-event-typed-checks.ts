import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';
import type { TypedEvent } from './hot-event-typed-setup.js';

/** What the database holds for a typed event: its counts, and what its rows say they should be. */
export interface TypedCheck {
  capacity: number;
  confirmed: number;
  held: number;
  quotaSize: number;
  quotaConfirmed: number;
  quotaHeld: number;
  voucherMaxUses: number;
  voucherUsed: number;
  voucherSeats: number;
  /** Live (pending or confirmed) bookings of the event, and their seats by status. */
  bookings: number;
  confirmedSeats: number;
  pendingSeats: number;
  /** Their lines, and the seats of those lines in the quota's types, by the booking's status. */
  items: number;
  quotaConfirmedSeats: number;
  quotaPendingSeats: number;
  /** Redemptions of the voucher not given back, and their seats. */
  redemptions: number;
  redemptionSeats: number;
  /** Bookings without exactly one line of each of the order's types (and no other). */
  badShapes: number;
  /** Lines whose price is not the type's, whose discount is not the voucher's, or whose total is off. */
  badLines: number;
  /** Bookings whose total is not their lines' sum. */
  badTotals: number;
  outboxEvents: number;
  auditEntries: number;
}

/** The typed event's counts beside what its bookings, lines and redemptions add up to. */
export async function checkTypedEvent(
  db: Kysely<Database>,
  typed: TypedEvent,
): Promise<TypedCheck> {
  const { eventId, quotaId } = typed;
  const voucherId = typed.voucher.id;
  const typeIds = typed.types.map((t) => t.id);
  const lines = typeIds.length;
  const { rows } = await sql<Record<keyof TypedCheck, string>>`
    WITH b AS (
      SELECT id, quantity, status, total_cents FROM bookings
      WHERE event_id = ${eventId} AND status IN ('pending', 'confirmed')
    ), i AS (
      SELECT i.*, b.status, t.price_cents AS type_price, r.booking_id IS NOT NULL AS redeemed
      FROM booking_items i JOIN b ON b.id = i.booking_id
      JOIN ticket_types t ON t.id = i.ticket_type_id
      LEFT JOIN voucher_redemptions r ON r.booking_id = i.booking_id AND r.voucher_id = ${voucherId}
    ), qi AS (
      SELECT i.* FROM i JOIN quota_ticket_types qt
        ON qt.ticket_type_id = i.ticket_type_id AND qt.quota_id = ${quotaId}
    ), r AS (
      SELECT r.seats FROM voucher_redemptions r JOIN b ON b.id = r.booking_id
      WHERE r.voucher_id = ${voucherId} AND r.released_at IS NULL
    ), per_booking AS (
      -- Grouped, not a subquery per booking: the check stays linear in the rows.
      SELECT b.total_cents, count(i.id) AS n, coalesce(sum(i.total_cents), 0) AS lines_total,
        count(DISTINCT i.ticket_type_id) FILTER (WHERE i.ticket_type_id = ANY(${typeIds}::uuid[]))
          AS t
      FROM b LEFT JOIN i ON i.booking_id = b.id GROUP BY b.id, b.total_cents
    )
    SELECT inv.capacity, inv.confirmed, inv.held,
      q.size AS "quotaSize", q.confirmed AS "quotaConfirmed", q.held AS "quotaHeld",
      v.max_uses AS "voucherMaxUses", v.used AS "voucherUsed", v.seats AS "voucherSeats",
      (SELECT count(*) FROM b) AS bookings,
      (SELECT coalesce(sum(quantity), 0) FROM b WHERE status = 'confirmed') AS "confirmedSeats",
      (SELECT coalesce(sum(quantity), 0) FROM b WHERE status = 'pending') AS "pendingSeats",
      (SELECT count(*) FROM i) AS items,
      (SELECT coalesce(sum(quantity), 0) FROM qi WHERE status = 'confirmed')
        AS "quotaConfirmedSeats",
      (SELECT coalesce(sum(quantity), 0) FROM qi WHERE status = 'pending') AS "quotaPendingSeats",
      (SELECT count(*) FROM r) AS redemptions,
      (SELECT coalesce(sum(seats), 0) FROM r) AS "redemptionSeats",
      (SELECT count(*) FROM per_booking WHERE n <> ${lines} OR t <> ${lines}) AS "badShapes",
      (SELECT count(*) FROM i WHERE i.unit_price_cents <> i.type_price
        OR i.discount_cents <> CASE WHEN i.redeemed
          THEN floor(i.unit_price_cents * i.quantity * ${typed.voucher.percentOff} / 100.0) ELSE 0 END
        OR i.total_cents <> i.unit_price_cents * i.quantity - i.discount_cents) AS "badLines",
      (SELECT count(*) FROM per_booking WHERE total_cents <> lines_total) AS "badTotals",
      (SELECT count(*) FROM outbox o JOIN b ON o.aggregate_id = b.id::text) AS "outboxEvents",
      (SELECT count(*) FROM audit_log a JOIN b ON a.entity = 'booking' AND a.entity_id = b.id::text)
        AS "auditEntries"
    FROM event_inventory inv, quotas q, vouchers v
    WHERE inv.event_id = ${eventId} AND q.id = ${quotaId} AND v.id = ${voucherId}`.execute(db);
  const row = rows[0];
  if (!row) throw new Error(`typed event ${eventId}: no inventory, quota or voucher row`);
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as Record<
    keyof TypedCheck,
    number
  >;
}

/**
 * No quota, voucher or event over its size; every count equal to what the rows add up to; every
 * booking two lines at the types' prices less the voucher's percentage where it was redeemed; the
 * bookings the case added exactly the orders the clients were told were served, each with its
 * outbox events and audit entry.
 */
export function typedVerdict(
  before: TypedCheck,
  after: TypedCheck,
  answered: number,
  outboxPerBooking: number,
): string {
  const c = after;
  const added = c.bookings - before.bookings;
  const withCode = c.redemptions - before.redemptions;
  const ok =
    c.confirmed + c.held <= c.capacity &&
    c.quotaConfirmed + c.quotaHeld <= c.quotaSize &&
    c.voucherUsed <= c.voucherMaxUses &&
    c.confirmed === c.confirmedSeats &&
    c.held === c.pendingSeats &&
    c.quotaConfirmed === c.quotaConfirmedSeats &&
    c.quotaHeld === c.quotaPendingSeats &&
    c.voucherUsed === c.redemptions &&
    c.voucherSeats === c.redemptionSeats &&
    c.badShapes === 0 &&
    c.badLines === 0 &&
    c.badTotals === 0 &&
    added === answered &&
    c.outboxEvents === c.bookings * outboxPerBooking &&
    c.auditEntries === c.bookings;
  const share = added > 0 ? Math.round((withCode / added) * 100) : 0;
  const faults = [
    c.badShapes && `${c.badShapes} misshapen`,
    c.badLines && `${c.badLines} mispriced lines`,
    c.badTotals && `${c.badTotals} wrong totals`,
  ].filter(Boolean);
  return `${ok ? 'ok' : 'FAILED'}: ${added} orders = ${answered} answered (${share}% with the code), ${c.items - before.items} lines; quota ${c.quotaConfirmed + c.quotaHeld}/${c.quotaSize} = rows ${c.quotaConfirmedSeats + c.quotaPendingSeats}; event ${c.confirmed + c.held} = rows ${c.confirmedSeats + c.pendingSeats}; voucher ${c.voucherUsed}/${c.voucherMaxUses} used = ${c.redemptions} redemptions; ${c.outboxEvents} outbox, ${c.auditEntries} audit${faults.length ? `; ${faults.join(', ')}` : ''}`;
}
