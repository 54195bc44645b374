import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';
import type { SaleRun } from './seated-buyer.js';
import type { Arena } from './seating-setup.js';

/** The answers the seated sale expects; any other fails its check. */
const EXPECTED = new Set(['booked', 'SEATS_NOT_TOGETHER', 'SOLD_OUT']);

export interface ArenaCheck {
  ok: boolean;
  /** Every problem found, or what was checked when none was. */
  verdict: string;
  /** The allocator's batches that sold (its bookings' distinct decision times). */
  batches: number;
}

/**
 * The arena after its sale, in SQL, against what the buyers were told: no seat in two live
 * allocations; every live booking holds exactly its quantity of seats; every party that asked to
 * sit together sits in one row with no seat of that row between its own; the inventory counters
 * are the live allocations; the hall is sold to the last seat (parties of one were asked until
 * the end, and any free seat seats one); the event's bookings and their seats are exactly those
 * the buyers were told of; every answer was a booking or a refusal the rules name, and every
 * buyer stopped on SOLD_OUT with nothing left.
 */
export async function checkArena(
  db: Kysely<Database>,
  arena: Arena,
  run: SaleRun,
): Promise<ArenaCheck> {
  const { eventId } = arena;
  const together = run.bookings.filter((b) => b.together).map((b) => b.bookingId);
  const { rows } = await sql<{
    double_sold: string;
    miscounted: string;
    apart: string;
    free: string;
    live: string;
    counted: string;
    batches: string;
  }>`
    WITH live AS (
      SELECT a.seat_id, a.booking_id, s.section_key, s.row_key, s.position
      FROM seat_allocations a JOIN seats s ON s.id = a.seat_id
      WHERE a.event_id = ${eventId} AND a.released_at IS NULL
    ), parties AS (
      SELECT booking_id, count(*) AS n, count(DISTINCT (section_key, row_key)) AS rows_used,
        min(section_key) AS section_key, min(row_key) AS row_key,
        min(position) AS lo, max(position) AS hi
      FROM live WHERE booking_id = ANY(${together}::uuid[]) GROUP BY booking_id
    )
    SELECT
      (SELECT count(*) FROM (SELECT seat_id FROM live GROUP BY seat_id HAVING count(*) > 1) d)
        AS double_sold,
      (SELECT count(*) FROM (
        SELECT b.id FROM bookings b LEFT JOIN live ON live.booking_id = b.id
        WHERE b.event_id = ${eventId} AND b.status IN ('pending', 'confirmed')
        GROUP BY b.id, b.quantity HAVING count(live.seat_id) <> b.quantity) m) AS miscounted,
      (SELECT count(*) FROM parties p WHERE p.rows_used <> 1 OR p.n <> (
        SELECT count(*) FROM seats r
        WHERE r.event_id = ${eventId} AND r.section_key = p.section_key
          AND r.row_key = p.row_key AND r.position BETWEEN p.lo AND p.hi
          AND r.removed_at IS NULL)) AS apart,
      (SELECT count(*) FROM seats s
        WHERE s.event_id = ${eventId} AND s.blocked_at IS NULL AND s.removed_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM seat_allocations a
            WHERE a.seat_id = s.id AND a.released_at IS NULL)) AS free,
      (SELECT count(*) FROM live) AS live,
      (SELECT count(DISTINCT created_at) FROM bookings WHERE event_id = ${eventId}) AS batches,
      (SELECT confirmed + held FROM event_inventory WHERE event_id = ${eventId}) AS counted`.execute(
    db,
  );
  const r = rows[0];
  const n = (v: string | undefined) => Number(v ?? Number.NaN);
  const problems: string[] = [];
  if (n(r?.double_sold) !== 0) problems.push(`${r?.double_sold} seats in two live bookings`);
  if (n(r?.miscounted) !== 0) problems.push(`${r?.miscounted} bookings not holding their quantity`);
  if (n(r?.apart) !== 0) problems.push(`${r?.apart} parties asked together but seated apart`);
  if (n(r?.free) !== 0) problems.push(`${r?.free} seats left unsold`);
  if (n(r?.counted) !== n(r?.live)) {
    problems.push(`inventory counts ${r?.counted}, ${r?.live} seats allocated`);
  }
  problems.push(...(await toldProblems(db, eventId, run)));
  const odd = Object.keys(run.answers).filter((a) => !EXPECTED.has(a));
  if (odd.length > 0) problems.push(`unexpected answers: ${odd.join(', ')}`);
  if (run.unfinished > 0) problems.push(`${run.unfinished} buyers stopped before the sell-out`);
  const ok = problems.length === 0;
  return {
    ok,
    batches: n(r?.batches),
    verdict: ok
      ? `ok: ${r?.live} seats in ${run.bookings.length} bookings, ${together.length} together, none twice`
      : `FAILED: ${problems.join('; ')}`,
  };
}

/** The event's bookings and their seats against those the buyers were told of. */
async function toldProblems(
  db: Kysely<Database>,
  eventId: string,
  run: SaleRun,
): Promise<string[]> {
  const allocations = await db
    .selectFrom('seat_allocations')
    .select(['booking_id', 'seat_id'])
    .where('event_id', '=', eventId)
    .where('released_at', 'is', null)
    .execute();
  const held = new Map<string, string[]>();
  for (const a of allocations)
    held.set(a.booking_id, [...(held.get(a.booking_id) ?? []), a.seat_id]);
  const rows = await db
    .selectFrom('bookings')
    .select('id')
    .where('event_id', '=', eventId)
    .execute();
  const told = new Set(run.bookings.map((b) => b.bookingId));
  const problems: string[] = [];
  const untold = rows.filter((b) => !told.has(b.id)).length;
  if (untold > 0) problems.push(`${untold} bookings no buyer was told of`);
  if (told.size !== run.bookings.length) problems.push('a booking told to two buyers');
  const key = (seats: readonly string[]) => [...seats].sort().join(',');
  const wrong = run.bookings.filter(
    (b) => b.seatIds.length !== b.quantity || key(b.seatIds) !== key(held.get(b.bookingId) ?? []),
  ).length;
  if (wrong > 0) problems.push(`${wrong} bookings whose seats are not the ones told`);
  return problems;
}
