import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';
import type { CpuGroup } from './hot-event-cpu.js';

export const PGBENCH = process.env.BENCH_PGBENCH ?? '/usr/bin/pgbench';

// The bench user of pgbench client n is user n + 1 (see benchUserId), as each SDK client has its
// own user. `:name` becomes a bind parameter under -M prepared (even inside a string literal: no
// JSON literals with colons here, hence jsonb_build_object).
const USER_ID = `('00000000-0000-4000-8000-' || lpad(:user_no::text, 12, '0'))::uuid`;
const PAYLOAD = `jsonb_build_object('bookingId', :booking_id::text, 'eventId', :event::text,
    'userId', ${USER_ID}, 'quantity', 1, 'unitPriceCents', 0, 'totalCents', 0, 'currency', 'EUR')`;

/**
 * One booking per transaction, the way a booking is written without batching: lock the event's
 * inventory row, insert the booking, count it, append its outbox event, commit. Issue 13's
 * baseline: it writes less than Evently (no line, one event, no audit entry, no NOTIFY); the
 * rows Evently writes are written by plainOrderScript (hot-event-typed-sql.ts), in two shapes.
 */
const ONE_BOOKING_SQL = `\\set user_no :client_id + 1
BEGIN;
SELECT capacity, confirmed, held, version FROM event_inventory WHERE event_id = :event FOR UPDATE;
INSERT INTO bookings (id, event_id, user_id, quantity, status, unit_price_cents, total_cents, currency, updated_at, confirmed_at)
  VALUES (gen_random_uuid(), :event, ${USER_ID}, 1, 'confirmed', 0, 0, 'EUR', now(), now())
  RETURNING id AS booking_id \\gset
UPDATE event_inventory SET confirmed = confirmed + 1, version = version + 1, updated_at = now() WHERE event_id = :event;
INSERT INTO outbox (id, topic, version, aggregate_id, payload, occurred_at)
  VALUES (gen_random_uuid(), 'booking.created', 1, :booking_id::text, ${PAYLOAD}
    || jsonb_build_object('status', 'confirmed', 'expiresAt', null, 'waitlistEntryId', null), now());
COMMIT;
`;

/**
 * One booking per transaction on a random event of a set (no hot row): the event is drawn as a
 * number 1..N by pgbench and turned into its id inside the locking SELECT itself, through the
 * primary key of a small mapping table (SPREAD_TABLE) — one index lookup more than the hot-event
 * script, no extra round trip.
 */
const SPREAD_SQL = ONE_BOOKING_SQL.replace(
  'SELECT capacity, confirmed, held, version FROM event_inventory WHERE event_id = :event FOR UPDATE;',
  `\\set n random(1, :events)
SELECT i.event_id AS event, i.capacity, i.confirmed, i.held, i.version
  FROM spread_events s JOIN event_inventory i ON i.event_id = s.event_id
  WHERE s.events = :events AND s.n = :n FOR UPDATE OF i \\gset`,
);

/** Bench-only table (in the throwaway database) numbering each spread set's events 1..N. */
const SPREAD_TABLE = `CREATE TABLE IF NOT EXISTS spread_events (
  events int NOT NULL, n int NOT NULL, event_id uuid NOT NULL, PRIMARY KEY (events, n))`;

/** Numbers a spread set's events 1..N in SPREAD_TABLE (keyed by the set's size). */
export async function registerSpreadSet(db: Kysely<Database>, eventIds: string[]): Promise<void> {
  await sql.raw(SPREAD_TABLE).execute(db);
  const rows = eventIds.map((id, i) => sql`(${eventIds.length}, ${i + 1}, ${id}::uuid)`);
  await sql`INSERT INTO spread_events (events, n, event_id) VALUES ${sql.join(rows)}`.execute(db);
}

export type PgbenchScript = 'one-booking' | 'spread';

const SCRIPTS: Record<PgbenchScript, string> = {
  'one-booking': ONE_BOOKING_SQL,
  spread: SPREAD_SQL,
};

/** A script of a caller's, with what it needs besides itself: pgbench's -D variables. */
export interface CustomScript {
  name: string;
  sql: string;
  defines: Record<string, string | number>;
}

export interface PgbenchRun {
  tps: number;
  transactions: number;
  failed: number;
  latencyAverageMs: number;
  /** From the per-transaction log (-l), sorted ascending. */
  latenciesMs: Float64Array;
  /** pgbench's own report, for the record. */
  report: string;
}

/**
 * pgbench with a custom script (-n: no vacuum of its own tables, -M prepared: its fastest
 * protocol) on `eventId`'s inventory row (or, for `spread`, on the `events`-event set of
 * SPREAD_TABLE), `clients` connections over two threads for `seconds`. `onStart` receives
 * pgbench's process as a CPU group while it runs.
 */
export async function runPgbench(options: {
  databaseUrl: string;
  eventId: string;
  /** The spread set's size (script `spread`). */
  events?: number;
  clients: number;
  /** How long it runs (-T), unless `transactions` is given. */
  seconds?: number;
  /** Instead of `seconds`: each client runs this many transactions (-t), a fixed amount of work. */
  transactions?: number;
  /** One of the scripts here, or one with -D variables of its own. */
  script: PgbenchScript | CustomScript;
  onStart?: (pgbench: CpuGroup) => void | Promise<void>;
}): Promise<PgbenchRun> {
  const dir = await mkdtemp(join(tmpdir(), 'evently-pgbench-'));
  try {
    const { script } = options;
    const custom: CustomScript =
      typeof script === 'string' ? { name: script, sql: SCRIPTS[script], defines: {} } : script;
    const scriptPath = join(dir, `${custom.name}.sql`);
    await writeFile(scriptPath, custom.sql);
    const defines = Object.entries(custom.defines).flatMap(([k, v]) => ['-D', `${k}=${v}`]);
    const args = [
      '-n',
      '-M',
      'prepared',
      '-c',
      `${options.clients}`,
      '-j',
      '2',
      ...(options.transactions !== undefined
        ? ['-t', `${options.transactions}`]
        : ['-T', `${options.seconds ?? 10}`]),
      '-f',
      scriptPath,
      '-D',
      `event=${options.eventId}`,
      '-D',
      `events=${options.events ?? 1}`,
      ...defines,
      '-l',
      `--log-prefix=${join(dir, 'log')}`,
      options.databaseUrl,
    ];
    const child = spawn(PGBENCH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4_000);
    });
    const exited = once(child, 'exit');
    const pid = child.pid;
    if (pid !== undefined) await options.onStart?.({ name: 'pgbench', pids: () => [pid] });
    const [code] = (await exited) as [number | null];
    if (code !== 0) throw new Error(`pgbench exited with ${code}:\n${stderr}\n${stdout}`);
    const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? Number.NaN);

    // Log lines: client_id transaction_no time_us script_no epoch epoch_us (time = latency).
    const latencies: number[] = [];
    for (const file of await readdir(dir)) {
      if (!file.startsWith('log')) continue;
      for (const line of (await readFile(join(dir, file), 'utf8')).split('\n')) {
        const us = Number(line.split(' ')[2]);
        if (Number.isFinite(us) && line) latencies.push(us / 1_000);
      }
    }
    return {
      tps: number(/^tps = ([\d.]+)/m),
      transactions: number(/number of transactions actually processed: (\d+)/),
      failed: Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0),
      latencyAverageMs: number(/latency average = ([\d.]+) ms/),
      latenciesMs: Float64Array.from(latencies).sort(),
      report: stdout,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
