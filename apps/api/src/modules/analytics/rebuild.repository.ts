import type { EventDetail, EventStats } from '@evently/contracts';
import type { Database } from '@evently/db';
import { sql, type Transaction } from 'kysely';
import type { StatsRow } from './analytics.mappers.js';
import { analyticsTopics } from './analytics.projector.js';
import { ALL_SCOPE } from './projection.repository.js';

type Trx = Transaction<Database>;

/** The columns EventStats is made of: a rebuild announces the events where one changed. */
const figureColumns = [
  'capacity',
  'tickets_sold',
  'confirmed_bookings',
  'cancelled_bookings',
  'expired_bookings',
  'revenue_cents',
  'refunded_cents',
  'pending_payment_cents',
  'waitlist_joined',
  'waitlist_waiting',
  'waitlist_offered',
  'waitlist_converted',
];
const figuresOf = (alias: string) =>
  sql.raw(`(${figureColumns.map((c) => `${alias}.${c}`).join(', ')})`);

/** Money in and out per booking: payments (+) and refunds (−), each with its instant. */
const moneyMoves = sql`
  SELECT booking_id, event_id, amount_cents AS amount, 0::int8 AS refunded, at FROM payments
  UNION ALL
  SELECT booking_id, event_id, -amount_cents, amount_cents, requested_at FROM refunds`;

/**
 * Each payment and refund split over its booking's lines, as `splitOverLines` does (same order
 * of lines, same rounding): line i gets ⌊A·Cᵢ/T⌋ − ⌊A·Cᵢ₋₁/T⌋ of |amount| A, with its sign; lines
 * that cost nothing give it all to the first. Columns: event_id, ticket_type_id, revenue.
 */
const moneyPerLine = sql`
  SELECT l.event_id, l.ticket_type_id,
    CASE WHEN l.total = 0 THEN CASE WHEN l.n = 1 THEN m.amount ELSE 0 END
    ELSE sign(m.amount::numeric) * (div(abs(m.amount)::numeric * l.upto, l.total)
      - div(abs(m.amount)::numeric * (l.upto - l.own), l.total)) END AS revenue
  FROM (
    SELECT i.booking_id, b.event_id, i.ticket_type_id, i.total_cents AS own,
      sum(i.total_cents) OVER w AS upto,
      sum(i.total_cents) OVER (PARTITION BY i.booking_id) AS total,
      row_number() OVER w AS n
    FROM booking_items i JOIN bookings b ON b.id = i.booking_id
    WINDOW w AS (PARTITION BY i.booking_id ORDER BY i.position, i.id)
  ) l
  JOIN (${moneyMoves}) m ON m.booking_id = l.booking_id`;

/**
 * The rebuild's SQL: every read model recomputed from the source tables (events, bookings,
 * payments, refunds, waitlist entries, check-ins, users) in set-based statements, inside one
 * repeatable-read transaction. The figures follow the same rules as the projection, so a rebuild
 * equals the incremental result.
 */
export const rebuildRepository = {
  /** Keeps the current figures aside (to tell which events changed), then empties the models. */
  async clear(trx: Trx): Promise<void> {
    await sql`CREATE TEMP TABLE analytics_old_stats ON COMMIT DROP AS
      SELECT * FROM analytics_event_stats`.execute(trx);
    await sql`CREATE TEMP TABLE analytics_old_type_stats ON COMMIT DROP AS
      SELECT * FROM analytics_ticket_type_stats`.execute(trx);
    await sql`CREATE TEMP TABLE analytics_old_voucher_stats ON COMMIT DROP AS
      SELECT * FROM analytics_voucher_stats`.execute(trx);
    await sql`CREATE TEMP TABLE analytics_old_checkin_stats ON COMMIT DROP AS
      SELECT * FROM analytics_checkin_stats`.execute(trx);
    await trx.deleteFrom('analytics_event_stats').execute();
    await trx.deleteFrom('analytics_ticket_type_stats').execute();
    await trx.deleteFrom('analytics_voucher_stats').execute();
    await trx.deleteFrom('analytics_series').execute();
    await trx.deleteFrom('analytics_hours').execute();
    await trx.deleteFrom('analytics_waitlist_entries').execute();
    await trx.deleteFrom('analytics_checkin_stats').execute();
    await trx.deleteFrom('analytics_checkin_tickets').execute();
  },

  async insertStats(trx: Trx, now: Date): Promise<number> {
    const result = await sql`
      INSERT INTO analytics_event_stats (event_id, organization_id, title, status, capacity, starts_at,
        event_version, confirmed_bookings, pending_bookings, cancelled_bookings, expired_bookings,
        tickets_sold, revenue_cents, refunded_cents, pending_payment_cents, waitlist_joined,
        waitlist_waiting, waitlist_offered, waitlist_converted, live_seq, updated_at)
      SELECT e.id, e.organization_id, e.title, e.status, e.capacity, e.starts_at, e.version,
        coalesce(b.confirmed, 0), coalesce(b.pending, 0), coalesce(b.cancelled, 0),
        coalesce(b.expired, 0), coalesce(b.tickets, 0), coalesce(m.revenue, 0),
        coalesce(m.refunded, 0), coalesce(b.unpaid, 0), coalesce(w.joined, 0), coalesce(w.waiting, 0), coalesce(w.offered, 0),
        coalesce(w.converted, 0), coalesce(o.live_seq, 0), coalesce(o.updated_at, ${now})
      FROM events e
      LEFT JOIN (
        SELECT event_id,
          count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
          count(*) FILTER (WHERE status = 'pending') AS pending,
          count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
          count(*) FILTER (WHERE status = 'expired') AS expired,
          sum(quantity) FILTER (WHERE status = 'confirmed') AS tickets,
          sum(total_cents) FILTER (WHERE status = 'pending') AS unpaid
        FROM bookings GROUP BY event_id
      ) b ON b.event_id = e.id
      LEFT JOIN (
        SELECT event_id, sum(amount) AS revenue, sum(refunded) AS refunded
        FROM (${moneyMoves}) mm GROUP BY event_id
      ) m ON m.event_id = e.id
      LEFT JOIN (
        SELECT event_id,
          count(*) AS joined,
          count(*) FILTER (WHERE status = 'waiting') AS waiting,
          -- An entry is offered at most once (a lapsed or declined offer ends it).
          count(*) FILTER (WHERE offer_booking_id IS NOT NULL) AS offered,
          count(*) FILTER (WHERE status = 'converted') AS converted
        FROM waitlist_entries GROUP BY event_id
      ) w ON w.event_id = e.id
      LEFT JOIN analytics_old_stats o ON o.event_id = e.id`.execute(trx);
    return Number(result.numAffectedRows ?? 0);
  },

  /**
   * Per ticket type: the lines of pending bookings held, of confirmed ones sold, and the money of
   * their bookings split over them (`moneyPerLine`). Per voucher: a row for every voucher used in an order; its
   * redemptions are the confirmed bookings made with it (their uses are live: an ended booking's
   * was given back), with their lines' discounts. A row for every type with a line: the
   * projection makes it with the booking.
   */
  async insertLineStats(trx: Trx): Promise<void> {
    await sql`
      INSERT INTO analytics_ticket_type_stats (event_id, ticket_type_id, tickets_sold,
        tickets_held, revenue_cents)
      SELECT event_id, ticket_type_id, sum(sold), sum(held), sum(revenue)
      FROM (
        SELECT b.event_id, i.ticket_type_id,
          CASE WHEN b.status = 'confirmed' THEN i.quantity ELSE 0 END AS sold,
          CASE WHEN b.status = 'pending' THEN i.quantity ELSE 0 END AS held, 0 AS revenue
        FROM booking_items i JOIN bookings b ON b.id = i.booking_id
        UNION ALL
        SELECT event_id, ticket_type_id, 0, 0, revenue FROM (${moneyPerLine}) p
      ) x
      GROUP BY event_id, ticket_type_id`.execute(trx);
    await sql`
      INSERT INTO analytics_voucher_stats (event_id, voucher_id, redemptions, discount_cents)
      SELECT b.event_id, r.voucher_id, count(*) FILTER (WHERE b.status = 'confirmed'),
        coalesce(sum(d.discount) FILTER (WHERE b.status = 'confirmed'), 0)
      FROM voucher_redemptions r JOIN bookings b ON b.id = r.booking_id
      CROSS JOIN LATERAL (SELECT coalesce(sum(i.discount_cents), 0) AS discount
        FROM booking_items i WHERE i.booking_id = r.booking_id) d
      GROUP BY b.event_id, r.voucher_id`.execute(trx);
  },

  /**
   * Per check-in list, from its entries and exits: the tickets with an entry (each marked, so a
   * later re-entry does not count it again) and entries less exits — as the projection counts.
   */
  async insertCheckinStats(trx: Trx): Promise<void> {
    await sql`
      INSERT INTO analytics_checkin_tickets (list_id, ticket_id)
      SELECT DISTINCT list_id, ticket_id FROM checkins WHERE direction = 'entry'`.execute(trx);
    await sql`
      INSERT INTO analytics_checkin_stats (event_id, list_id, entered, inside)
      SELECT l.event_id, c.list_id,
        count(DISTINCT c.ticket_id) FILTER (WHERE c.direction = 'entry'),
        count(*) FILTER (WHERE c.direction = 'entry') - count(*) FILTER (WHERE c.direction = 'exit')
      FROM checkins c JOIN checkin_lists l ON l.id = c.list_id
      GROUP BY l.event_id, c.list_id`.execute(trx);
  },

  async insertWaitlistEntries(trx: Trx): Promise<void> {
    await sql`
      INSERT INTO analytics_waitlist_entries (entry_id, event_id, left_waiting)
      SELECT id, event_id, status <> 'waiting' FROM waitlist_entries`.execute(trx);
  },

  /**
   * Confirmations at confirmed_at, cancellations at cancelled_at (a confirmed one taking its
   * seats back), payments at their `at` and refunds at requested_at (the revenue), users at
   * created_at and email_verified_at — by UTC day
   * (analytics_series) and by UTC hour (analytics_hours, a row of 24 per day), per event, per
   * organization and overall. Returns the rows written to both.
   */
  async insertSeries(trx: Trx): Promise<number> {
    // Every fact in every scope it counts in.
    const facts = sql`
      SELECT s.kind, s.id, f.at, f.bookings, f.tickets, f.cancellations, f.revenue,
        f.new_users, f.verified_users
      FROM (
        SELECT b.event_id, e.organization_id, b.confirmed_at AS at, 1 AS bookings,
          b.quantity AS tickets, 0 AS cancellations, 0::int8 AS revenue,
          0 AS new_users, 0 AS verified_users
        FROM bookings b JOIN events e ON e.id = b.event_id
        WHERE b.confirmed_at IS NOT NULL
        UNION ALL
        SELECT b.event_id, e.organization_id, b.cancelled_at, 0,
          CASE WHEN b.confirmed_at IS NOT NULL THEN -b.quantity ELSE 0 END, 1, 0, 0, 0
        FROM bookings b JOIN events e ON e.id = b.event_id
        WHERE b.status = 'cancelled'
        UNION ALL
        SELECT m.event_id, e.organization_id, m.at, 0, 0, 0, m.amount, 0, 0
        FROM (${moneyMoves}) m JOIN events e ON e.id = m.event_id
        UNION ALL
        SELECT NULL::uuid, NULL::uuid, u.created_at, 0, 0, 0, 0, 1, 0 FROM users u
        UNION ALL
        SELECT NULL::uuid, NULL::uuid, u.email_verified_at, 0, 0, 0, 0, 0, 1 FROM users u
        WHERE u.email_verified_at IS NOT NULL
      ) f
      CROSS JOIN LATERAL (VALUES ('event', f.event_id), ('organization', f.organization_id),
        ('all', ${ALL_SCOPE}::uuid)) AS s (kind, id)
      WHERE s.id IS NOT NULL`;
    const days = await sql`
      INSERT INTO analytics_series (granularity, scope_kind, scope_id, bucket, bookings, tickets,
        cancellations, revenue_cents, new_users, verified_users)
      SELECT 'day', kind, id, date_trunc('day', at, 'UTC'), sum(bookings), sum(tickets),
        sum(cancellations), sum(revenue), sum(new_users), sum(verified_users)
      FROM (${facts}) f
      GROUP BY 2, 3, 4`.execute(trx);
    // A day's hours gathered into arrays of the hours it had and their sums, then spread over 24
    // slots (a quiet hour is no element: 0).
    const spread = (column: string) =>
      sql`ARRAY(SELECT coalesce(${sql.ref(column)}[array_position(hs, g)], 0)
        FROM generate_series(0, 23) AS g ORDER BY g)`;
    const hours = await sql`
      INSERT INTO analytics_hours (scope_kind, scope_id, day, bookings, tickets, cancellations,
        revenue_cents, new_users, verified_users)
      WITH hourly AS (
        SELECT kind, id, date_trunc('day', at, 'UTC') AS day,
          extract(hour FROM at AT TIME ZONE 'UTC')::int AS h, sum(bookings) AS bookings,
          sum(tickets) AS tickets, sum(cancellations) AS cancellations, sum(revenue) AS revenue,
          sum(new_users) AS new_users, sum(verified_users) AS verified_users
        FROM (${facts}) f
        GROUP BY 1, 2, 3, 4
      ), days AS (
        SELECT kind, id, day, array_agg(h) AS hs, array_agg(bookings) AS bookings,
          array_agg(tickets) AS tickets, array_agg(cancellations) AS cancellations,
          array_agg(revenue) AS revenue, array_agg(new_users) AS new_users,
          array_agg(verified_users) AS verified_users
        FROM hourly
        GROUP BY 1, 2, 3
      )
      SELECT kind, id, day, ${spread('bookings')}, ${spread('tickets')},
        ${spread('cancellations')}, ${spread('revenue')}, ${spread('new_users')},
        ${spread('verified_users')}
      FROM days`.execute(trx);
    return Number(days.numAffectedRows ?? 0) + Number(hours.numAffectedRows ?? 0);
  },

  /**
   * Marks the analytics events of this snapshot that the consumer has not processed: their
   * effect is in the rebuilt figures, so the consumer must skip them when they arrive.
   */
  async coverUnprocessed(trx: Trx, consumer: string): Promise<number> {
    const topics = [...analyticsTopics];
    let covered = 0;
    // Two statements, one per partial index of the outbox (unrelayed / relayed, undelivered).
    for (const pending of [
      sql`o.relayed_at IS NULL`,
      sql`o.relayed_at IS NOT NULL AND o.delivered_at IS NULL`,
    ]) {
      const result = await sql`
        INSERT INTO analytics_rebuild_covered (event_id)
        SELECT o.id FROM outbox o
        WHERE ${pending} AND o.topic = ANY(${topics}::text[])
          AND NOT EXISTS (SELECT 1 FROM processed_events p
            WHERE p.consumer = ${consumer} AND p.event_id = o.id)
        ON CONFLICT DO NOTHING`.execute(trx);
      covered += Number(result.numAffectedRows ?? 0);
    }
    return covered;
  },

  /**
   * Events whose public figures differ from before the rebuild (or are new): their own, or
   * those of one of their types, vouchers or check-in lists. With the vouchers whose figures
   * changed.
   */
  async changedStats(trx: Trx): Promise<{ rows: StatsRow[]; vouchers: string[] }> {
    const changedVouchers = sql`
      SELECT event_id, voucher_id
      FROM analytics_voucher_stats n FULL JOIN analytics_old_voucher_stats o
        USING (event_id, voucher_id)
      WHERE (n.redemptions, n.discount_cents) IS DISTINCT FROM (o.redemptions, o.discount_cents)`;
    const { rows } = await sql<StatsRow>`
      WITH changed_lines AS (
        SELECT event_id
        FROM analytics_ticket_type_stats n FULL JOIN analytics_old_type_stats o
          USING (event_id, ticket_type_id)
        WHERE (n.tickets_sold, n.tickets_held, n.revenue_cents)
          IS DISTINCT FROM (o.tickets_sold, o.tickets_held, o.revenue_cents)
        UNION
        SELECT event_id FROM (${changedVouchers}) v
        UNION
        SELECT event_id
        FROM analytics_checkin_stats n FULL JOIN analytics_old_checkin_stats o
          USING (event_id, list_id)
        WHERE (n.entered, n.inside) IS DISTINCT FROM (o.entered, o.inside)
      )
      SELECT n.* FROM analytics_event_stats n
      LEFT JOIN analytics_old_stats o ON o.event_id = n.event_id
      WHERE o.event_id IS NULL OR ${figuresOf('n')} IS DISTINCT FROM ${figuresOf('o')}
        OR n.event_id IN (SELECT event_id FROM changed_lines)
      ORDER BY n.event_id`.execute(trx);
    const vouchers = await sql<{ voucher_id: string }>`${changedVouchers}`.execute(trx);
    return { rows, vouchers: vouchers.rows.map((v) => v.voucher_id) };
  },

  /** Numbers a batch of live updates at once: returns the first of `count` new numbers. */
  async reserveLiveSeqs(trx: Trx, count: number): Promise<bigint> {
    const row = await trx
      .updateTable('analytics_live_cursor')
      .set({ seq: sql<string>`seq + ${count}` })
      .where('id', '=', 1)
      .returning('seq')
      .executeTakeFirstOrThrow();
    return BigInt(row.seq) - BigInt(count) + 1n;
  },

  async stampLiveSeqs(
    trx: Trx,
    stamps: Array<{ eventId: string; seq: bigint }>,
    now: Date,
  ): Promise<void> {
    if (stamps.length === 0) return;
    await sql`
      UPDATE analytics_event_stats s SET live_seq = v.seq, updated_at = ${now}
      FROM unnest(${stamps.map((s) => s.eventId)}::uuid[], ${stamps.map((s) => s.seq.toString())}::bigint[])
        AS v (id, seq)
      WHERE s.event_id = v.id`.execute(trx);
  },

  async insertLiveUpdates(
    trx: Trx,
    updates: Array<{
      seq: string;
      eventId: string;
      organizationId: string;
      stats: EventStats;
      detail?: EventDetail | undefined;
    }>,
  ): Promise<void> {
    for (let start = 0; start < updates.length; start += 500) {
      await trx
        .insertInto('analytics_live_updates')
        .values(
          updates.slice(start, start + 500).map((u) => ({
            seq: u.seq,
            event_id: u.eventId,
            organization_id: u.organizationId,
            stats: JSON.stringify(u.stats),
            detail: u.detail ? JSON.stringify(u.detail) : null,
          })),
        )
        .execute();
    }
  },
};
