import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';

export interface InventoryCheck {
  capacity: number;
  /** The inventory rows' counters, summed over the events. */
  confirmed: number;
  held: number;
  /** Confirmed bookings rows of the events. */
  confirmedBookings: number;
  /** Outbox events and audit entries whose aggregate is one of those bookings. */
  outboxEvents: number;
  auditEntries: number;
}

/** What the database holds for the events, to hold against what the clients were told. */
export async function checkInventory(
  db: Kysely<Database>,
  eventIds: string[],
): Promise<InventoryCheck> {
  const { rows } = await sql<{
    capacity: string;
    confirmed: string;
    held: string;
    confirmed_bookings: string;
    outbox_events: string;
    audit_entries: string;
  }>`
    WITH inv AS (
      SELECT sum(capacity) AS capacity, sum(confirmed) AS confirmed, sum(held) AS held
      FROM event_inventory WHERE event_id = ANY(${eventIds}::uuid[])
    ), b AS (
      SELECT id::text AS id FROM bookings
      WHERE event_id = ANY(${eventIds}::uuid[]) AND status = 'confirmed'
    )
    SELECT inv.capacity, inv.confirmed, inv.held,
      (SELECT count(*) FROM b) AS confirmed_bookings,
      (SELECT count(*) FROM outbox o JOIN b ON o.aggregate_id = b.id) AS outbox_events,
      (SELECT count(*) FROM audit_log a JOIN b ON a.entity = 'booking' AND a.entity_id = b.id)
        AS audit_entries
    FROM inv`.execute(db);
  const row = rows[0];
  return {
    capacity: Number(row?.capacity),
    confirmed: Number(row?.confirmed),
    held: Number(row?.held),
    confirmedBookings: Number(row?.confirmed_bookings),
    outboxEvents: Number(row?.outbox_events),
    auditEntries: Number(row?.audit_entries),
  };
}

export interface BatchSizes {
  transactions: number;
  mean: number;
  p50: number;
  p90: number;
  max: number;
  /** Share of the transactions that booked a single seat. */
  singles: number;
}

/**
 * How many bookings each allocator transaction wrote in the window: a round's rows share
 * `created_at` (the allocator's decision time, ms resolution) across all the events in it, and a
 * process runs one round at a time, a cycle taking well over a millisecond (two processes' rounds
 * decided in the same millisecond count as one: an overestimate of a few percent at most).
 */
export async function measureBatchSizes(
  db: Kysely<Database>,
  eventIds: string[],
  from: Date,
  to: Date,
): Promise<BatchSizes> {
  const { rows } = await sql<{
    transactions: string;
    mean: string | null;
    p50: string | null;
    p90: string | null;
    max: string | null;
    singles: string;
  }>`
    SELECT count(*) AS transactions, avg(n) AS mean,
      percentile_disc(0.5) WITHIN GROUP (ORDER BY n) AS p50,
      percentile_disc(0.9) WITHIN GROUP (ORDER BY n) AS p90,
      max(n) AS max, count(*) FILTER (WHERE n = 1) AS singles
    FROM (
      SELECT count(*) AS n FROM bookings
      WHERE event_id = ANY(${eventIds}::uuid[]) AND created_at >= ${from} AND created_at < ${to}
      GROUP BY created_at
    ) t`.execute(db);
  const row = rows[0];
  const transactions = Number(row?.transactions ?? 0);
  return {
    transactions,
    mean: Number(row?.mean ?? 0),
    p50: Number(row?.p50 ?? 0),
    p90: Number(row?.p90 ?? 0),
    max: Number(row?.max ?? 0),
    singles: transactions > 0 ? Number(row?.singles) / transactions : 0,
  };
}

export interface BatchTimeline {
  batches: number;
  /** Mean and median ms from one batch's decision to the next one's: the allocator's cycle. */
  meanCycleMs: number;
  p50CycleMs: number;
}

/**
 * The allocator's cycle on one event, read back from the rows it wrote: a batch's bookings share
 * `created_at`, the moment the batch was decided (after its read, before its write); the gap to
 * the next batch is the write, the lock release, the hand-over and the next read.
 */
export async function measureBatchTimeline(
  db: Kysely<Database>,
  eventId: string,
  from: Date,
  to: Date,
): Promise<BatchTimeline> {
  const { rows } = await sql<{ batches: string; mean: string | null; p50: string | null }>`
    WITH batch AS (
      SELECT DISTINCT created_at FROM bookings
      WHERE event_id = ${eventId} AND created_at >= ${from} AND created_at < ${to}
    ), gaps AS (
      SELECT extract(epoch FROM lead(created_at) OVER (ORDER BY created_at) - created_at) * 1000
        AS ms
      FROM batch
    )
    SELECT (SELECT count(*) FROM batch) AS batches, avg(ms) AS mean,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50
    FROM gaps WHERE ms IS NOT NULL`.execute(db);
  const row = rows[0];
  return {
    batches: Number(row?.batches ?? 0),
    meanCycleMs: Number(row?.mean ?? 0),
    p50CycleMs: Number(row?.p50 ?? 0),
  };
}
