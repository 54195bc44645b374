import type { EventDetail } from '@evently/contracts';
import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';

/**
 * The figures analytics must show, counted straight from the bookings, payments, refunds,
 * waitlist, check-in, events and users tables — the oracle the consistency and rebuild tests
 * compare the read models with. Revenue is money: payments less refunds (whatever the refund's
 * status).
 */
export interface EventTruth {
  eventId: string;
  organizerId: string;
  organizationId: string;
  status: string;
  startsAt: Date;
  capacity: number;
  confirmed: number;
  pending: number;
  cancelled: number;
  expired: number;
  tickets: number;
  /** Payments less refunds. */
  revenue: number;
  refunded: number;
  /** Totals of pending bookings. */
  pendingPayment: number;
  joined: number;
  waiting: number;
  offered: number;
  converted: number;
}

export async function eventTruths(db: Kysely<Database>): Promise<Map<string, EventTruth>> {
  const { rows } = await sql<Record<keyof EventTruth, string> & { starts_at: Date }>`
    SELECT e.id AS "eventId", e.organizer_id AS "organizerId",
      e.organization_id AS "organizationId", e.status, e.starts_at,
      e.capacity,
      (SELECT count(*) FROM bookings b WHERE b.event_id = e.id AND b.status = 'confirmed') AS confirmed,
      (SELECT count(*) FROM bookings b WHERE b.event_id = e.id AND b.status = 'pending') AS pending,
      (SELECT count(*) FROM bookings b WHERE b.event_id = e.id AND b.status = 'cancelled') AS cancelled,
      (SELECT count(*) FROM bookings b WHERE b.event_id = e.id AND b.status = 'expired') AS expired,
      (SELECT coalesce(sum(quantity), 0) FROM bookings b
        WHERE b.event_id = e.id AND b.status = 'confirmed') AS tickets,
      (SELECT coalesce(sum(amount_cents), 0) FROM payments p WHERE p.event_id = e.id)
        - (SELECT coalesce(sum(amount_cents), 0) FROM refunds r WHERE r.event_id = e.id)
        AS revenue,
      (SELECT coalesce(sum(amount_cents), 0) FROM refunds r WHERE r.event_id = e.id) AS refunded,
      (SELECT coalesce(sum(total_cents), 0) FROM bookings b
        WHERE b.event_id = e.id AND b.status = 'pending' AND b.total_cents > 0)
        AS "pendingPayment",
      (SELECT count(*) FROM waitlist_entries w WHERE w.event_id = e.id) AS joined,
      (SELECT count(*) FROM waitlist_entries w
        WHERE w.event_id = e.id AND w.status = 'waiting') AS waiting,
      (SELECT count(*) FROM waitlist_entries w
        WHERE w.event_id = e.id AND w.offer_booking_id IS NOT NULL) AS offered,
      (SELECT count(*) FROM waitlist_entries w
        WHERE w.event_id = e.id AND w.status = 'converted') AS converted
    FROM events e`.execute(db);
  return new Map(
    rows.map((r) => [
      r.eventId,
      {
        eventId: r.eventId,
        organizerId: r.organizerId,
        organizationId: r.organizationId,
        status: r.status,
        startsAt: r.starts_at,
        capacity: Number(r.capacity),
        confirmed: Number(r.confirmed),
        pending: Number(r.pending),
        cancelled: Number(r.cancelled),
        expired: Number(r.expired),
        tickets: Number(r.tickets),
        revenue: Number(r.revenue),
        refunded: Number(r.refunded),
        pendingPayment: Number(r.pendingPayment),
        joined: Number(r.joined),
        waiting: Number(r.waiting),
        offered: Number(r.offered),
        converted: Number(r.converted),
      },
    ]),
  );
}

export interface BucketTruth {
  bucket: string;
  bookings: number;
  tickets: number;
  cancellations: number;
  revenueCents: number;
  newUsers: number;
}

/**
 * Confirmations by confirmed_at; cancellations by cancelled_at, a cancelled confirmed booking
 * taking its seats back; money by when it moved (payments at `at`, refunds at requested_at);
 * accounts by created_at. Buckets with activity only.
 */
export async function seriesTruth(
  db: Kysely<Database>,
  granularity: 'hour' | 'day',
  scope: { eventId?: string; organizerId?: string; organizationId?: string },
): Promise<BucketTruth[]> {
  const inScope = scope.eventId
    ? sql`b.event_id = ${scope.eventId}`
    : scope.organizerId
      ? sql`e.organizer_id = ${scope.organizerId}`
      : scope.organizationId
        ? sql`e.organization_id = ${scope.organizationId}`
        : sql`true`;
  const users = scope.eventId || scope.organizerId || scope.organizationId ? sql`false` : sql`true`;
  const { rows } = await sql<Record<keyof BucketTruth, string>>`
    SELECT to_char(date_trunc(${granularity}, t.at, 'UTC') AT TIME ZONE 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS".000Z"') AS bucket,
      sum(t.bookings) AS bookings, sum(t.tickets) AS tickets,
      sum(t.cancellations) AS cancellations, sum(t.revenue) AS "revenueCents",
      sum(t.users) AS "newUsers"
    FROM (
      SELECT b.confirmed_at AS at, 1 AS bookings, b.quantity AS tickets, 0 AS cancellations,
        0::int8 AS revenue, 0 AS users
      FROM bookings b JOIN events e ON e.id = b.event_id
      WHERE b.confirmed_at IS NOT NULL AND ${inScope}
      UNION ALL
      SELECT b.cancelled_at, 0, CASE WHEN b.confirmed_at IS NULL THEN 0 ELSE -b.quantity END, 1,
        0, 0
      FROM bookings b JOIN events e ON e.id = b.event_id
      WHERE b.status = 'cancelled' AND ${inScope}
      UNION ALL
      SELECT b.at, 0, 0, 0, b.amount_cents, 0
      FROM payments b JOIN events e ON e.id = b.event_id WHERE ${inScope}
      UNION ALL
      SELECT b.requested_at, 0, 0, 0, -b.amount_cents, 0
      FROM refunds b JOIN events e ON e.id = b.event_id WHERE ${inScope}
      UNION ALL
      SELECT u.created_at, 0, 0, 0, 0, 1 FROM users u WHERE ${users}
    ) t
    GROUP BY 1 ORDER BY 1`.execute(db);
  return rows.map((r) => ({
    bucket: r.bucket,
    bookings: Number(r.bookings),
    tickets: Number(r.tickets),
    cancellations: Number(r.cancellations),
    revenueCents: Number(r.revenueCents),
    newUsers: Number(r.newUsers),
  }));
}

/**
 * An event's figures per ticket type, quota and voucher, counted from its bookings' lines: a
 * line is sold while its booking is confirmed, held while it is pending; each payment and refund
 * of a booking is shared among its lines in proportion to their totals (line i of A: ⌊A·Cᵢ/T⌋ −
 * ⌊A·Cᵢ₋₁/T⌋, Cᵢ the totals up to it; all on the first when they cost nothing); a quota sums the
 * lines of its types; a voucher used in any order counts the confirmed bookings made with it and
 * their lines' discounts; a check-in list counts the tickets with an entry on it, and those with
 * more entries than exits (inside now, as `checkin.lists.list` counts them).
 */
export async function detailTruth(db: Kysely<Database>, eventId: string): Promise<EventDetail> {
  // Each line's share of each money movement of its booking (+ payments, − refunds).
  const moneyShares = sql`
    SELECT l.ticket_type_id, CASE
      WHEN l.total = 0 THEN CASE WHEN l.first THEN m.amount ELSE 0 END
      ELSE sign(m.amount) * (floor(abs(m.amount) * l.through / l.total)
        - floor(abs(m.amount) * (l.through - l.total_cents) / l.total)) END AS share
    FROM (
      SELECT i.booking_id, i.ticket_type_id, i.total_cents::numeric AS total_cents,
        (sum(i.total_cents) OVER (PARTITION BY i.booking_id ORDER BY i.position, i.id
          ROWS UNBOUNDED PRECEDING))::numeric AS through,
        (sum(i.total_cents) OVER (PARTITION BY i.booking_id))::numeric AS total,
        i.id = (first_value(i.id) OVER (PARTITION BY i.booking_id ORDER BY i.position, i.id))
          AS first
      FROM booking_items i JOIN bookings b ON b.id = i.booking_id WHERE b.event_id = ${eventId}
    ) l
    JOIN (SELECT booking_id, amount_cents::numeric AS amount FROM payments
      UNION ALL SELECT booking_id, -amount_cents::numeric FROM refunds) m
      ON m.booking_id = l.booking_id`;
  const { rows: types } = await sql<{
    id: string;
    name: string;
    sold: string;
    held: string;
    revenue: string;
  }>`
    SELECT t.id, t.name,
      (SELECT coalesce(sum(i.quantity), 0) FROM booking_items i JOIN bookings b ON b.id = i.booking_id
        WHERE i.ticket_type_id = t.id AND b.status = 'confirmed') AS sold,
      (SELECT coalesce(sum(i.quantity), 0) FROM booking_items i JOIN bookings b ON b.id = i.booking_id
        WHERE i.ticket_type_id = t.id AND b.status = 'pending') AS held,
      (SELECT coalesce(sum(share), 0) FROM (${moneyShares}) s
        WHERE s.ticket_type_id = t.id) AS revenue
    FROM ticket_types t WHERE t.event_id = ${eventId}
    ORDER BY t.position, t.created_at, t.id`.execute(db);
  const { rows: quotas } = await sql<{
    id: string;
    name: string;
    size: number;
    sold: string;
    held: string;
  }>`
    SELECT q.id, q.name, q.size,
      (SELECT coalesce(sum(i.quantity), 0) FROM booking_items i
        JOIN bookings b ON b.id = i.booking_id
        JOIN quota_ticket_types qt ON qt.ticket_type_id = i.ticket_type_id
        WHERE qt.quota_id = q.id AND b.status = 'confirmed') AS sold,
      (SELECT coalesce(sum(i.quantity), 0) FROM booking_items i
        JOIN bookings b ON b.id = i.booking_id
        JOIN quota_ticket_types qt ON qt.ticket_type_id = i.ticket_type_id
        WHERE qt.quota_id = q.id AND b.status = 'pending') AS held
    FROM quotas q WHERE q.event_id = ${eventId}
    ORDER BY q.created_at, q.id`.execute(db);
  const { rows: vouchers } = await sql<{
    id: string;
    code: string;
    uses: string;
    discount: string;
  }>`
    SELECT v.id, v.code,
      count(*) FILTER (WHERE b.status = 'confirmed') AS uses,
      coalesce(sum((SELECT sum(i.discount_cents) FROM booking_items i
        WHERE i.booking_id = b.id)) FILTER (WHERE b.status = 'confirmed'), 0) AS discount
    FROM vouchers v
    JOIN voucher_redemptions r ON r.voucher_id = v.id
    JOIN bookings b ON b.id = r.booking_id
    WHERE v.event_id = ${eventId}
    GROUP BY v.id, v.code
    ORDER BY v.code, v.id`.execute(db);
  const { rows: lists } = await sql<{ id: string; name: string; entered: string; inside: string }>`
    SELECT l.id, l.name,
      (SELECT count(DISTINCT c.ticket_id) FROM checkins c
        WHERE c.list_id = l.id AND c.direction = 'entry') AS entered,
      (SELECT count(*) FROM (SELECT c.ticket_id FROM checkins c WHERE c.list_id = l.id
        GROUP BY c.ticket_id HAVING count(*) FILTER (WHERE c.direction = 'entry')
          > count(*) FILTER (WHERE c.direction = 'exit')) i) AS inside
    FROM checkin_lists l WHERE l.event_id = ${eventId}
    ORDER BY l.created_at, l.id`.execute(db);
  return {
    ticketTypes: types.map((t) => ({
      ticketTypeId: t.id,
      name: t.name,
      ticketsSold: Number(t.sold),
      held: Number(t.held),
      revenueCents: Number(t.revenue),
    })),
    quotas: quotas.map((q) => ({
      quotaId: q.id,
      name: q.name,
      size: q.size,
      sold: Number(q.sold),
      held: Number(q.held),
      utilization: q.size > 0 ? Math.min(1, Number(q.sold) / q.size) : 0,
    })),
    vouchers: vouchers.map((v) => ({
      voucherId: v.id,
      code: v.code,
      redemptions: Number(v.uses),
      discountCents: Number(v.discount),
    })),
    checkins: lists.map((l) => ({
      listId: l.id,
      name: l.name,
      entered: Number(l.entered),
      inside: Number(l.inside),
    })),
  };
}

export async function userTruth(db: Kysely<Database>) {
  const { rows } = await sql<{ total: string; verified: string }>`
    SELECT count(*) AS total, count(email_verified_at) AS verified FROM users`.execute(db);
  return { total: Number(rows[0]?.total), verified: Number(rows[0]?.verified) };
}

/** Every read-model row but the bookkeeping columns (update times, live numbers). */
export async function readModels(db: Kysely<Database>) {
  const stats = await db
    .selectFrom('analytics_event_stats')
    .selectAll()
    .orderBy('event_id')
    .execute();
  const series = await db
    .selectFrom('analytics_series')
    .selectAll()
    .orderBy('granularity')
    .orderBy('scope_kind')
    .orderBy('scope_id')
    .orderBy('bucket')
    .execute();
  const hours = await db
    .selectFrom('analytics_hours')
    .selectAll()
    .orderBy('scope_kind')
    .orderBy('scope_id')
    .orderBy('day')
    .execute();
  const entries = await db
    .selectFrom('analytics_waitlist_entries')
    .selectAll()
    .orderBy('entry_id')
    .execute();
  const types = await db
    .selectFrom('analytics_ticket_type_stats')
    .selectAll()
    .orderBy('event_id')
    .orderBy('ticket_type_id')
    .execute();
  const vouchers = await db
    .selectFrom('analytics_voucher_stats')
    .selectAll()
    .orderBy('event_id')
    .orderBy('voucher_id')
    .execute();
  const checkins = await db
    .selectFrom('analytics_checkin_stats')
    .selectAll()
    .orderBy('event_id')
    .orderBy('list_id')
    .execute();
  const entered = await db
    .selectFrom('analytics_checkin_tickets')
    .selectAll()
    .orderBy('list_id')
    .orderBy('ticket_id')
    .execute();
  return {
    stats: stats.map(({ updated_at: _u, live_seq: _l, ...figures }) => figures),
    series,
    hours,
    entries,
    types,
    vouchers,
    checkins,
    entered,
  };
}
