import type { DoorCheck } from './door-rush-checks.js';
import type { PlanSummary } from './door-rush-plan.js';
import { MEET_TIMEOUT_MS, type ScanRun } from './door-rush-scanner.js';
import { percentile } from './hot-event-clients.js';
import type { PgbenchRun } from './hot-event-pgbench.js';

export type DoorSide = 'Evently (HTTP)' | 'Evently (SDK)' | 'raw SQL';

/** One run of the door rush, as reported. */
export interface DoorRow {
  round: number;
  side: DoorSide;
  /** Scanners (Evently) or pgbench clients (raw SQL). */
  clients: number;
  requests: number;
  /** Tickets let in. */
  entries: number;
  /** Evently: first request sent to last answer; raw SQL: pgbench's run (connections excluded). */
  seconds: number;
  redeemsPerSecond: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** The 1-minute load average when the run started. */
  load: string;
  notes: string;
  ok: boolean;
  check: string;
}

const round1 = (n: number) => Number(n.toFixed(1));

function timing(sortedMs: Float64Array) {
  return { p50Ms: round1(percentile(sortedMs, 0.5)), p99Ms: round1(percentile(sortedMs, 0.99)) };
}

function rates(entries: number, requests: number, seconds: number) {
  return {
    seconds: Number(seconds.toFixed(2)),
    redeemsPerSecond: Math.round(entries / seconds),
    requestsPerSecond: Math.round(requests / seconds),
  };
}

/** An Evently run: latency over every request answered (duplicates and retries included). */
export function eventlyDoorRow(
  base: { round: number; side: DoorSide; clients: number; load: string },
  plan: PlanSummary,
  run: ScanRun,
  check: DoorCheck,
): DoorRow {
  const latencies = Float64Array.from(run.records.map((r) => r.answeredAtMs - r.sentAtMs)).sort();
  const answers = new Map<string, number>();
  for (const r of run.records) answers.set(r.result, (answers.get(r.result) ?? 0) + 1);
  return {
    ...base,
    requests: run.records.length,
    entries: plan.tickets,
    ...rates(plan.tickets, run.records.length, (run.endedAtMs - run.startedAtMs) / 1_000),
    ...timing(latencies),
    notes: `answers ${[...answers].map(([a, n]) => `${a} ${n}`).join(', ')}; of ${plan.secondGate} tickets at two gates, ${check.overlapped ?? '?'} in flight at both at once (${run.missedMeetings} scanners not there within ${MEET_TIMEOUT_MS / 1_000} s), ${check.secondGateWon ?? '?'} let in by the second`,
    ok: check.ok,
    check: check.verdict,
  };
}

export function sqlDoorRow(
  base: { round: number; clients: number; load: string },
  plan: PlanSummary,
  run: PgbenchRun,
  check: DoorCheck,
): DoorRow {
  return {
    ...base,
    side: 'raw SQL',
    requests: plan.requests,
    entries: plan.tickets,
    ...rates(plan.tickets, plan.requests, run.transactions / run.tps),
    ...timing(run.latenciesMs),
    notes: `${run.transactions} transactions (the last ${run.transactions - plan.requests} found no scan left), ${run.failed} failed`,
    ok: check.ok,
    check: check.verdict,
  };
}

export function printDoorRush(title: string, rows: readonly DoorRow[]): void {
  console.log(`\n${title}`);
  console.table(
    rows.map((r) => ({
      round: r.round,
      case: `${r.side}, ${r.clients} ${r.side === 'raw SQL' ? 'clients' : 'scanners'}`,
      requests: r.requests,
      entries: r.entries,
      s: r.seconds,
      'redeems/s': r.redeemsPerSecond,
      'requests/s': r.requestsPerSecond,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      'load avg': r.load,
      check: r.check.startsWith('ok') ? 'ok' : r.check,
    })),
  );
  for (const r of rows) {
    console.log(`  round ${r.round}, ${r.side}, ${r.clients}: ${r.notes}; ${r.check}`);
  }
}

/** Each Evently run against raw SQL at its best client count of the same round. */
export function printDoorRatios(rows: readonly DoorRow[]): void {
  console.log('\nRedeems/s against raw SQL at its best client count (same round)');
  for (const round of [...new Set(rows.map((r) => r.round))]) {
    const best = rows
      .filter((r) => r.round === round && r.side === 'raw SQL' && r.ok)
      .reduce<DoorRow | undefined>(
        (b, r) => (!b || r.redeemsPerSecond > b.redeemsPerSecond ? r : b),
        undefined,
      );
    if (!best) {
      console.log(`  round ${round}: no raw SQL run passed its check`);
      continue;
    }
    for (const r of rows.filter((x) => x.round === round && x.side !== 'raw SQL')) {
      console.log(
        `  round ${round}, ${r.side}: ${r.redeemsPerSecond} redeems/s = ${(r.redeemsPerSecond / best.redeemsPerSecond).toFixed(2)}× raw SQL's ${best.redeemsPerSecond} (${best.clients} clients); p99 ${r.p99Ms} ms against ${best.p99Ms} ms`,
      );
    }
  }
}
