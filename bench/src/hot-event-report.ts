import { availableParallelism } from 'node:os';
import type { BatchSizes, BatchTimeline, InventoryCheck } from './hot-event-checks.js';
import { type ClientRun, percentile } from './hot-event-clients.js';
import type { PgbenchRun } from './hot-event-pgbench.js';
import type { ProfileSummary } from './hot-event-profile.js';

export interface ResultRow {
  case: string;
  bookingsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: string;
  check: string;
  /** The 1-minute load average when the case started. */
  load: string;
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

export function clientRow(name: string, run: ClientRun, check: string, load: string): ResultRow {
  const errors = Object.entries(run.errors)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return {
    case: name,
    bookingsPerSecond: Math.round(run.booked / run.seconds),
    p50Ms: round(percentile(run.latenciesMs, 0.5)),
    p99Ms: round(percentile(run.latenciesMs, 0.99)),
    errors: errors || '0',
    check,
    load,
  };
}

export function pgbenchRow(name: string, run: PgbenchRun, check: string, load: string): ResultRow {
  return {
    case: name,
    bookingsPerSecond: Math.round(run.tps),
    p50Ms: round(percentile(run.latenciesMs, 0.5)),
    p99Ms: round(percentile(run.latenciesMs, 0.99)),
    errors: `${run.failed}`,
    check,
    load,
  };
}

/**
 * No oversell: the counters never pass capacity and equal the confirmed rows; those rows are
 * exactly the bookings the clients were told they got (`answered`), each with its outbox events.
 */
export function oversellVerdict(
  c: InventoryCheck,
  answered: number,
  outboxPerBooking: number,
): string {
  const ok =
    c.confirmed + c.held <= c.capacity &&
    c.confirmed === c.confirmedBookings &&
    c.held === 0 &&
    c.confirmedBookings === answered &&
    c.outboxEvents === c.confirmedBookings * outboxPerBooking;
  return `${ok ? 'ok' : 'FAILED'}: ${c.confirmed} sold = ${c.confirmedBookings} rows = ${answered} answered, ${c.outboxEvents} outbox, ${c.auditEntries} audit`;
}

export function printResults(title: string, rows: ResultRow[]): void {
  console.log(`\n${title}`);
  console.table(
    rows.map((r) => ({
      case: r.case,
      'bookings/s': r.bookingsPerSecond,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      errors: r.errors,
      'load avg': r.load,
      'oversell check': r.check,
    })),
  );
}

export function printBatches(
  rows: { name: string; sizes: BatchSizes; timeline?: BatchTimeline }[],
  seconds: number,
): void {
  console.log('\nAllocator transactions in the timed windows (bookings grouped by created_at)');
  console.table(
    rows.map(({ name, sizes }) => ({
      case: name,
      'transactions/s': round(sizes.transactions / seconds),
      'mean batch': round(sizes.mean),
      'p50 batch': sizes.p50,
      'p90 batch': sizes.p90,
      'max batch': sizes.max,
      'single-booking txns': `${Math.round(sizes.singles * 100)}%`,
    })),
  );
  console.log(
    "Allocator cycle: ms from one batch's decision to the next one's (its write, the lock release and hand-over, the next read)",
  );
  console.table(
    rows.flatMap(({ name, timeline }) =>
      timeline
        ? [
            {
              case: name,
              'mean cycle ms': round(timeline.meanCycleMs),
              'p50 cycle ms': round(timeline.p50CycleMs),
            },
          ]
        : [],
    ),
  );
}

/**
 * Per process group, CPU µs per booking; then what the whole machine did in the window ("other"
 * is busy time none of the bench's processes used: other people's work on a shared machine).
 */
export function printCpu(
  rows: { name: string; cpu: Record<string, number>; bookings: number }[],
  seconds: number,
): void {
  const table: Record<string, Record<string, number | string>> = {};
  for (const { name, cpu, bookings } of rows) {
    const row: Record<string, number | string> = {};
    let ours = 0;
    for (const [group, ms] of Object.entries(cpu)) {
      if (group.startsWith('machine') || group.startsWith('rss:')) continue;
      ours += ms;
      row[`${group} µs`] = bookings ? Math.round((ms * 1_000) / bookings) : '-';
    }
    row['bench CPU s'] = round(ours / 1_000);
    row['other CPU s'] = round(((cpu['machine busy'] ?? 0) - ours) / 1_000);
    row['idle s'] = round((cpu['machine idle'] ?? 0) / 1_000);
    for (const [key, mb] of Object.entries(cpu)) {
      if (key.startsWith('rss:')) row[`${key.slice(4)} peak RSS MB`] = mb;
    }
    table[name] = row;
  }
  console.log(
    `\nCPU per booking by process group (µs), and the machine's ${availableParallelism() * seconds} core-seconds in each window`,
  );
  console.table(table);
}

/** The API processes' V8 profiles (main threads, added up) per booking, for each window. */
export function printProfiles(
  windows: (ProfileSummary & { name: string; bookings: number })[],
  paths: string[],
): void {
  const perBooking = (us: number, bookings: number) => Math.round(us / Math.max(1, bookings));
  const categories = [...(windows[0]?.byCategory ?? [])].sort((a, b) => b[1] - a[1]);
  console.log(
    `\nAPI CPU by where the code lives, µs per booking (self time in both processes' CPU profiles: ${paths.join(', ')})`,
  );
  console.table(
    categories.map(([category]) =>
      Object.fromEntries([
        ['where', category],
        ...windows.map((w) => [w.name, perBooking(w.byCategory.get(category) ?? 0, w.bookings)]),
      ]),
    ),
  );
  for (const w of windows) {
    console.log(`Top functions (self time), ${w.name}, µs per booking`);
    console.table(
      [...w.byFunction]
        .sort((a, b) => b[1].us - a[1].us)
        .slice(0, 15)
        .map(([fn, { category, us }]) => ({
          function: fn,
          where: category,
          'µs/booking': perBooking(us, w.bookings),
        })),
    );
  }
}
