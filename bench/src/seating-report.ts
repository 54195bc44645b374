import { loadavg } from 'node:os';
import type { SaleRun } from './seated-buyer.js';
import type { SqlSale } from './seating-sql.js';

export type SaleSide = 'Evently (HTTP)' | 'Evently (SDK)' | 'raw SQL';

/** One sale of the seated bench, as reported. */
export interface SaleRow {
  round: number;
  side: SaleSide;
  /** Buyers (Evently) or pgbench clients (raw SQL). */
  clients: number;
  seats: number;
  bookings: number;
  /** From the first call to the last seat sold. */
  seconds: number;
  seatsPerSecond: number;
  bookingsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers heard (Evently), or transactions run and parties split (raw SQL). */
  notes: string;
  /** The 1-minute load average when the sale started. */
  load: string;
  ok: boolean;
  check: string;
}

export const loadNow = () => loadavg()[0]?.toFixed(2) ?? '?';

const round1 = (n: number) => Number(n.toFixed(1));

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}

function rates(seats: number, bookings: number, fromMs: number, toMs: number) {
  const seconds = (toMs - fromMs) / 1_000;
  return {
    seconds: Number(seconds.toFixed(2)),
    seatsPerSecond: Math.round(seats / seconds),
    bookingsPerSecond: Math.round(bookings / seconds),
  };
}

export function eventlyRow(
  base: { round: number; side: SaleSide; clients: number; load: string },
  run: SaleRun,
  check: { ok: boolean; verdict: string; batches: number },
): SaleRow {
  const seats = run.bookings.reduce((n, b) => n + b.quantity, 0);
  const split = run.bookings.filter((b) => !b.together).length;
  return {
    ...base,
    seats,
    bookings: run.bookings.length,
    ...rates(seats, run.bookings.length, run.startedAtMs, run.lastSaleAtMs),
    p50Ms: round1(percentile(run.latenciesMs, 0.5)),
    p99Ms: round1(percentile(run.latenciesMs, 0.99)),
    notes: `${check.batches} batches (${(run.bookings.length / check.batches).toFixed(1)} bookings each); ${split} split on request; ${Object.entries(
      run.answers,
    )
      .map(([a, n]) => `${a} ${n}`)
      .join(', ')}; all stopped in ${((run.endedAtMs - run.startedAtMs) / 1_000).toFixed(1)} s`,
    ok: check.ok,
    check: check.verdict,
  };
}

export function sqlRow(
  base: { round: number; clients: number; load: string },
  sale: SqlSale,
  check: { ok: boolean; verdict: string; split: number },
): SaleRow {
  return {
    ...base,
    side: 'raw SQL',
    seats: sale.seats,
    bookings: sale.bookings,
    ...rates(sale.seats, sale.bookings, sale.startedAtMs, sale.lastSaleAtMs),
    p50Ms: round1(percentile(sale.latenciesMs, 0.5)),
    p99Ms: round1(percentile(sale.latenciesMs, 0.99)),
    notes: `${sale.transactions} transactions; ${check.split} of ${sale.bookings} parties not seated together`,
    ok: check.ok,
    check: check.verdict,
  };
}

export function printSales(title: string, rows: SaleRow[]): void {
  console.log(`\n${title}`);
  console.table(
    rows.map((r) => ({
      round: r.round,
      case: `${r.side}, ${r.clients} ${r.side === 'raw SQL' ? 'clients' : 'buyers'}`,
      seats: r.seats,
      bookings: r.bookings,
      's to sell out': r.seconds,
      'seats/s': r.seatsPerSecond,
      'bookings/s': r.bookingsPerSecond,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      'load avg': r.load,
      check: r.check,
    })),
  );
  for (const r of rows) console.log(`  round ${r.round}, ${r.side}, ${r.clients}: ${r.notes}`);
}

/** Each Evently sale against raw SQL at its best client count of the same round. */
export function printSeatingRatios(rows: SaleRow[]): void {
  console.log('\nSeats/s against raw SQL at its best client count (same round)');
  for (const round of [...new Set(rows.map((r) => r.round))]) {
    const sql = rows.filter((r) => r.round === round && r.side === 'raw SQL' && r.ok);
    const best = sql.reduce<SaleRow | undefined>(
      (b, r) => (!b || r.seatsPerSecond > b.seatsPerSecond ? r : b),
      undefined,
    );
    if (!best) {
      console.log(`  round ${round}: no raw SQL sale passed its check`);
      continue;
    }
    for (const r of rows.filter((x) => x.round === round && x.side !== 'raw SQL')) {
      console.log(
        `  round ${round}, ${r.side}: ${r.seatsPerSecond} seats/s = ${(r.seatsPerSecond / best.seatsPerSecond).toFixed(2)}× raw SQL's ${best.seatsPerSecond} (${best.clients} clients); bookings/s ${(r.bookingsPerSecond / best.bookingsPerSecond).toFixed(2)}×`,
      );
    }
  }
}
