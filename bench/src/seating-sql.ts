import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';
import { PGBENCH } from './hot-event-pgbench.js';
import { ARENA_ROW, arenaShape } from './seating-setup.js';

// Raw SQL's seat claim, alf.io's design: the seats are rows of a table with their sale on them
// (alf.io's `ticket.status`), and a booking is one transaction that takes the first `n` free
// seats in hall order with `FOR UPDATE SKIP LOCKED` (concurrent buyers step over each other's
// locked seats instead of waiting), inserts the booking and marks the seats its own — or, when
// it found fewer than `n`, rolls back. Nothing else: no counters, no lines, no outbox, no audit,
// and no promise that a party sits together (a skipped seat or a row's end splits it).
// Run by pgbench (-M prepared, a C client) at several client counts, each on a hall of its own.

const HALL_TABLE = `CREATE TABLE IF NOT EXISTS bench_hall_seats (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  hall int NOT NULL,
  section int NOT NULL,
  row_no int NOT NULL,
  position int NOT NULL,
  booking_id uuid REFERENCES bookings (id),
  sold_at timestamptz)`;
// The free seats in hall order: what each claim reads (alf.io indexes its tickets by status).
const FREE_INDEX = `CREATE INDEX IF NOT EXISTS bench_hall_seats_free_idx
  ON bench_hall_seats (hall, section, row_no, position) WHERE booking_id IS NULL`;

// The bench user of pgbench client n is user n + 1 (benchUserId), as each buyer has its own user.
const USER_ID = `('00000000-0000-4000-8000-' || lpad(:user_no::text, 12, '0'))::uuid`;

/** One booking of 1..max_group seats per transaction (pgbench's -D: hall, event, max_group). */
const CLAIM_SQL = `\\set n random(1, :max_group)
\\set user_no :client_id + 1
BEGIN;
SELECT count(*) AS got, coalesce(array_agg(id)::text, '{}') AS ids FROM (
  SELECT id FROM bench_hall_seats WHERE hall = :hall AND booking_id IS NULL
  ORDER BY section, row_no, position LIMIT :n FOR UPDATE SKIP LOCKED) free \\gset
\\if :got = :n
INSERT INTO bookings (id, event_id, user_id, quantity, status, unit_price_cents, total_cents, currency, updated_at, confirmed_at)
  VALUES (gen_random_uuid(), :event, ${USER_ID}, :n, 'confirmed', 0, 0, 'EUR', now(), now())
  RETURNING id AS booking_id \\gset
UPDATE bench_hall_seats SET booking_id = :booking_id, sold_at = clock_timestamp()
  WHERE id = ANY (:ids::uuid[]);
COMMIT;
\\else
ROLLBACK;
\\endif
`;

let halls = 0;

/** A hall of `seats` free seats in the arena's shape (sections of rows of 40); its number. */
export async function createHall(db: Kysely<Database>, seats: number): Promise<number> {
  await sql.raw(HALL_TABLE).execute(db);
  await sql.raw(FREE_INDEX).execute(db);
  halls += 1;
  const { rows } = arenaShape(seats);
  await sql`
    INSERT INTO bench_hall_seats (hall, section, row_no, position)
    SELECT ${halls}, r / 25, r % 25, p
    FROM generate_series(0, ${rows - 1}::int) r, generate_series(0, ${ARENA_ROW - 1}::int) p`.execute(
    db,
  );
  await sql`ANALYZE bench_hall_seats`.execute(db);
  return halls;
}

export interface SqlSale {
  seats: number;
  bookings: number;
  /** Transactions run (claims that found too few seats, after the sell-out too). */
  transactions: number;
  /** First transaction's start (pgbench's log) and the last seat sold (the database's clock). */
  startedAtMs: number;
  lastSaleAtMs: number;
  /** Latencies of the transactions that ended by the last sale, ms, sorted. */
  latenciesMs: number[];
}

/**
 * pgbench's `clients` claim the hall's seats until every seat is sold: each runs enough
 * transactions that the last ones find none (those are not timed). The sale's time is from the
 * first transaction's start to the last seat's sale as the database stamped it (before its
 * commit: a millisecond kinder to raw SQL than the API's, which ends at the buyer's answer).
 */
export async function runSqlSale(options: {
  db: Kysely<Database>;
  databaseUrl: string;
  hall: number;
  eventId: string;
  seats: number;
  clients: number;
  maxGroup: number;
}): Promise<SqlSale> {
  const { clients } = options;
  // About 0.4 bookings a seat are needed (groups of 1–4): 0.6 leaves the last ones idle.
  const perClient = Math.ceil((options.seats * 0.6) / clients) + 50;
  const dir = await mkdtemp(join(tmpdir(), 'evently-seating-'));
  try {
    const script = join(dir, 'claim.sql');
    await writeFile(script, CLAIM_SQL);
    const args = [
      '-n',
      '-M',
      'prepared',
      '-c',
      `${clients}`,
      '-j',
      `${Math.min(2, clients)}`,
      '-t',
      `${perClient}`,
      '-f',
      script,
      '-D',
      `hall=${options.hall}`,
      '-D',
      `event=${options.eventId}`,
      '-D',
      `max_group=${options.maxGroup}`,
      '-l',
      `--log-prefix=${join(dir, 'log')}`,
      options.databaseUrl,
    ];
    const child = spawn(PGBENCH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-4_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`pgbench exited with ${code}:\n${output}`);

    const { rows } = await sql<{ seats: string; bookings: string; last: Date | null }>`
      SELECT count(*) AS seats, count(DISTINCT booking_id) AS bookings, max(sold_at) AS last
      FROM bench_hall_seats WHERE hall = ${options.hall} AND booking_id IS NOT NULL`.execute(
      options.db,
    );
    const lastSaleAtMs = rows[0]?.last?.getTime() ?? Number.NaN;
    // Log lines: client_id transaction_no time_us script_no epoch_s epoch_us (time = latency).
    let startedAtMs = Number.POSITIVE_INFINITY;
    let transactions = 0;
    const latencies: number[] = [];
    for (const file of await readdir(dir)) {
      if (!file.startsWith('log')) continue;
      for (const line of (await readFile(join(dir, file), 'utf8')).split('\n')) {
        const [, , us, , s, sUs] = line.split(' ').map(Number);
        if (us === undefined || s === undefined || sUs === undefined || !line) continue;
        transactions += 1;
        const endMs = s * 1_000 + sUs / 1_000;
        startedAtMs = Math.min(startedAtMs, endMs - us / 1_000);
        if (endMs <= lastSaleAtMs + 1) latencies.push(us / 1_000);
      }
    }
    return {
      seats: Number(rows[0]?.seats),
      bookings: Number(rows[0]?.bookings),
      transactions,
      startedAtMs,
      lastSaleAtMs,
      latenciesMs: latencies.sort((a, b) => a - b),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Raw SQL's books for the hall: every booking of the event holds exactly its quantity of the
 * hall's seats, and the hall is sold to the last seat. Also how many parties it split (not one
 * row's consecutive seats), which its design does not prevent.
 */
export async function checkSqlHall(
  db: Kysely<Database>,
  hall: number,
  eventId: string,
): Promise<{ ok: boolean; verdict: string; split: number }> {
  const { rows } = await sql<{ free: string; miscounted: string; split: string; sold: string }>`
    WITH held AS (
      SELECT b.id, b.quantity, count(s.id) AS n,
        count(DISTINCT (s.section, s.row_no)) AS rows_used,
        max(s.position) - min(s.position) + 1 AS span
      FROM bookings b LEFT JOIN bench_hall_seats s ON s.booking_id = b.id AND s.hall = ${hall}
      WHERE b.event_id = ${eventId}
      GROUP BY b.id, b.quantity)
    SELECT
      (SELECT count(*) FROM bench_hall_seats WHERE hall = ${hall} AND booking_id IS NULL) AS free,
      (SELECT count(*) FROM bench_hall_seats WHERE hall = ${hall} AND booking_id IS NOT NULL)
        AS sold,
      (SELECT count(*) FROM held WHERE n <> quantity) AS miscounted,
      (SELECT count(*) FROM held WHERE rows_used <> 1 OR span <> n) AS split`.execute(db);
  const row = rows[0];
  const free = Number(row?.free);
  const miscounted = Number(row?.miscounted);
  const ok = free === 0 && miscounted === 0;
  return {
    ok,
    verdict: `${ok ? 'ok' : 'FAILED'}: ${row?.sold} sold, ${free} left, ${miscounted} miscounted`,
    split: Number(row?.split),
  };
}
