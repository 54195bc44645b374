import type { Database } from '@evently/db';
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { DetailSource } from './event-detail.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Which vouchers a detail lists: every one with figures, or only these. */
export type VoucherChoice = 'all' | readonly string[];

/**
 * An event's detail as one JSON value (a select expression): its types with their figures from
 * the read model, its quotas with their members, the chosen vouchers' figures with their codes,
 * and its check-in lists with their figures. A handful of rows per type, quota, voucher and
 * list — never a booking or a scan.
 */
export function detailOf(eventId: RawBuilder<unknown>, vouchers: VoucherChoice) {
  // Aliases of their own (d_…): `eventId` may name a column of the caller's query.
  const chosen =
    vouchers === 'all' ? sql`true` : sql`d_vs.voucher_id = ANY(${[...vouchers]}::uuid[])`;
  return sql<DetailSource>`json_build_object(
    'types', (SELECT coalesce(json_agg(json_build_object('id', d_t.id, 'name', d_t.name,
        'figures', json_build_object('tickets_sold', coalesce(d_ts.tickets_sold, 0),
          'tickets_held', coalesce(d_ts.tickets_held, 0),
          'revenue_cents', coalesce(d_ts.revenue_cents, 0)))
        ORDER BY d_t.position, d_t.created_at, d_t.id), '[]'::json)
      FROM ticket_types d_t
      LEFT JOIN analytics_ticket_type_stats d_ts
        ON d_ts.event_id = d_t.event_id AND d_ts.ticket_type_id = d_t.id
      WHERE d_t.event_id = ${eventId}),
    'quotas', (SELECT coalesce(json_agg(json_build_object('id', d_q.id, 'name', d_q.name,
        'size', d_q.size, 'typeIds', (SELECT coalesce(json_agg(d_qt.ticket_type_id), '[]'::json)
          FROM quota_ticket_types d_qt WHERE d_qt.quota_id = d_q.id))
        ORDER BY d_q.created_at, d_q.id), '[]'::json)
      FROM quotas d_q WHERE d_q.event_id = ${eventId}),
    'vouchers', (SELECT coalesce(json_agg(json_build_object('id', d_vs.voucher_id,
        'code', d_v.code, 'figures', json_build_object('redemptions', d_vs.redemptions,
          'discount_cents', d_vs.discount_cents))
        ORDER BY d_v.code, d_v.id), '[]'::json)
      FROM analytics_voucher_stats d_vs JOIN vouchers d_v ON d_v.id = d_vs.voucher_id
      WHERE d_vs.event_id = ${eventId} AND ${chosen}),
    'checkins', (SELECT coalesce(json_agg(json_build_object('id', d_l.id, 'name', d_l.name,
        'figures', json_build_object('entered', coalesce(d_cs.entered, 0),
          'inside', coalesce(d_cs.inside, 0)))
        ORDER BY d_l.created_at, d_l.id), '[]'::json)
      FROM checkin_lists d_l
      LEFT JOIN analytics_checkin_stats d_cs
        ON d_cs.event_id = d_l.event_id AND d_cs.list_id = d_l.id
      WHERE d_l.event_id = ${eventId}))`;
}

/** Several events' details at once, by event id. */
export async function detailsOf(
  db: Db,
  eventIds: readonly string[],
  vouchers: VoucherChoice,
): Promise<Map<string, DetailSource>> {
  if (eventIds.length === 0) return new Map();
  const { rows } = await sql<{ event_id: string; detail: DetailSource }>`
    SELECT e.id AS event_id, ${detailOf(sql.ref('e.id'), vouchers)} AS detail
    FROM unnest(${[...eventIds]}::uuid[]) AS e (id)`.execute(db);
  return new Map(rows.map((r) => [r.event_id, r.detail]));
}
