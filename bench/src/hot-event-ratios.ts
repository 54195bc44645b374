import type { BareRouteRun } from './bare-route.js';
import type { CaseResult, Side, Variant } from './hot-event-cases.js';
import { TYPED_PERCENT_OFF } from './hot-event-typed-setup.js';

/** A target of issue 13: Evently / the best raw rate on the same kind of load. */
export interface RatioTarget {
  key: string;
  label: string;
  /** The ratio to reach; `aim` a further one. */
  goal: number;
  aim?: number;
}

/** The fastest case of a side on a target (pgbench: its best client count). */
export function bestOf(
  results: CaseResult[],
  target: string,
  side: Side,
  variant: Variant,
): CaseResult | undefined {
  return results
    .filter((r) => r.target === target && r.side === side && r.variant === variant)
    .sort((a, b) => b.bookingsPerSecond - a.bookingsPerSecond)[0];
}

const rate = (r: CaseResult | undefined) => (r ? Math.round(r.bookingsPerSecond) : Number.NaN);

/**
 * One line per target and variant: the best pgbench (and its client count), then Evently over the
 * plain HTTP client and over the SDK, each as a ratio to it and against the goal.
 */
export function printRatios(results: CaseResult[], targets: RatioTarget[]): void {
  const variants: Variant[] = results.some((r) => r.variant === 'loaded')
    ? ['quiet', 'loaded']
    : ['quiet'];
  const rows = [];
  for (const target of targets) {
    for (const variant of variants) {
      const base = bestOf(results, target.key, 'pgbench', variant);
      if (!base) continue;
      const row: Record<string, string | number> = {
        target: `${target.label}${variant === 'loaded' ? ', + background' : ''}`,
        'best pgbench /s': rate(base),
        'best at clients': base.clients,
      };
      for (const side of ['Evently (HTTP)', 'Evently (SDK)'] as const) {
        const e = bestOf(results, target.key, side, variant);
        if (!e) continue;
        const ratio = e.bookingsPerSecond / base.bookingsPerSecond;
        const verdict =
          ratio >= target.goal
            ? target.aim && ratio >= target.aim
              ? 'aim met'
              : 'met'
            : 'NOT met';
        row[`${side} /s`] = rate(e);
        row[`${side} ratio`] = `${ratio.toFixed(2)} (${verdict})`;
      }
      row.goal = `>= ${target.goal}${target.aim ? `, aim ${target.aim}` : ''}`;
      rows.push(row);
    }
  }
  console.log('\nEvently / the best pgbench of the same run (issue 13 targets 1 and 2)');
  console.table(rows);
}

/** The fastest case of a side over several targets (raw SQL's shapes of one workload). */
function bestOfAny(
  results: CaseResult[],
  targets: string[],
  side: Side,
  variant: Variant,
): CaseResult | undefined {
  return targets
    .map((t) => bestOf(results, t, side, variant))
    .filter((r): r is CaseResult => r !== undefined)
    .sort((a, b) => b.bookingsPerSecond - a.bookingsPerSecond)[0];
}

/** pgbench's targets (hot-event-cases.ts, shapedTarget) and the shape each names. */
const SHAPES: Record<string, string> = {
  hot: 'one-booking',
  'hot-order': 'counts last',
  'hot-lock': 'locked first',
  typed: 'counts last',
  'typed-lock': 'locked first',
};

/**
 * Issue 15: the typed hot event's ratio beside the plain hot event's, each Evently side against
 * raw SQL at its best in the same run. Both are held against raw SQL writing Evently's rows
 * (a line per seat, its outbox events, the audit entry, the NOTIFY) at the best of its two
 * shapes (counts last, rows locked first) and of its client counts: the comparison where only the
 * order differs, and the verdict. The plain ratio against issue 13's `one-booking` (which writes
 * less, so runs faster and gives the plain event a lower ratio) is shown beside it.
 */
export function printTypedRatios(results: CaseResult[]): void {
  const rows = [];
  const best = (r: CaseResult | undefined) =>
    r ? `${rate(r)} (${SHAPES[r.target] ?? r.target}, ${r.clients})` : '-';
  const ratio = (e: CaseResult, base: CaseResult | undefined) =>
    base ? e.bookingsPerSecond / base.bookingsPerSecond : Number.NaN;
  for (const variant of ['quiet', 'loaded'] as const) {
    const oneBooking = bestOf(results, 'hot', 'pgbench', variant);
    const plainBase = bestOfAny(results, ['hot-order', 'hot-lock'], 'pgbench', variant);
    const typedBase = bestOfAny(results, ['typed', 'typed-lock'], 'pgbench', variant);
    if (!typedBase) continue;
    for (const side of ['Evently (HTTP)', 'Evently (SDK)'] as const) {
      const plain = bestOf(results, 'hot', side, variant);
      const typed = bestOf(results, 'typed', side, variant);
      if (!plain || !typed) continue;
      const plainRatio = ratio(plain, plainBase);
      const issue13Ratio = ratio(plain, oneBooking);
      const typedRatio = ratio(typed, typedBase);
      const holds = (r: number) => (Number.isNaN(r) ? '-' : typedRatio >= r ? 'yes' : 'no');
      rows.push({
        side: `${side}${variant === 'loaded' ? ', + background' : ''}`,
        'plain /s': rate(plain),
        "Evently's rows: best pgbench /s (shape, clients)": best(plainBase),
        'plain ratio': plainRatio.toFixed(2),
        'typed /s': rate(typed),
        'typed: best pgbench /s (shape, clients)': best(typedBase),
        'typed ratio': typedRatio.toFixed(2),
        'typed >= plain': Number.isNaN(plainRatio)
          ? '-'
          : typedRatio >= plainRatio
            ? 'yes (met)'
            : 'no (NOT met)',
        'one-booking pgbench /s (clients)': best(oneBooking),
        'plain ratio vs one-booking': issue13Ratio.toFixed(2),
        'typed >= that': holds(issue13Ratio),
      });
    }
  }
  if (rows.length === 0) return;
  console.log(
    `\nThe typed hot event (A×1 + B×1, every other order with a ${TYPED_PERCENT_OFF} % voucher, a shared quota) beside the plain one: Evently / the best pgbench writing the same rows, best shape and client count, same run (issue 15)`,
  );
  console.table(rows);
  const byShape = [];
  for (const variant of ['quiet', 'loaded'] as const)
    for (const key of Object.keys(SHAPES)) {
      const counts = results
        .filter((r) => r.target === key && r.side === 'pgbench' && r.variant === variant)
        .sort((a, b) => a.clients - b.clients);
      if (counts.length === 0) continue;
      byShape.push({
        target: `${key.startsWith('typed') ? 'typed' : 'plain'}, ${SHAPES[key]}${variant === 'loaded' ? ', + background' : ''}`,
        ...Object.fromEntries(counts.map((r) => [`${r.clients} clients /s`, rate(r)])),
      });
    }
  console.log('pgbench on the hot events by shape and client count (orders a second)');
  console.table(byShape);
}

/**
 * How much each side loses with the background load on: its best quiet rate against its best
 * loaded rate on the same target (issue 13 target 5: Evently should not lose more than raw SQL).
 */
export function printBackgroundLoss(
  results: CaseResult[],
  targets: RatioTarget[],
  label: string,
): void {
  if (!results.some((r) => r.variant === 'loaded')) return;
  const rows = [];
  for (const target of targets) {
    const losses: Partial<Record<Side, number>> = {};
    for (const side of ['pgbench', 'Evently (HTTP)', 'Evently (SDK)'] as const) {
      const quiet = bestOf(results, target.key, side, 'quiet');
      const loaded = bestOf(results, target.key, side, 'loaded');
      if (!quiet || !loaded) continue;
      const loss = 1 - loaded.bookingsPerSecond / quiet.bookingsPerSecond;
      losses[side] = loss;
      rows.push({
        target: target.label,
        side,
        'quiet /s': rate(quiet),
        'loaded /s': rate(loaded),
        loss: `${Math.round(loss * 100)}%`,
        'vs pgbench':
          side === 'pgbench' || losses.pgbench === undefined
            ? ''
            : loss <= losses.pgbench
              ? 'loses no more (met)'
              : 'loses more (NOT met)',
      });
    }
  }
  console.log(`\nWith a background load (${label}): what each side loses (issue 13 target 5)`);
  console.table(rows);
}

/** µs per booking of the groups whose names pass `keep`, from a case's CPU (ms per group). */
function perBooking(result: CaseResult, keep: (group: string) => boolean): number {
  let ms = 0;
  for (const [group, value] of Object.entries(result.cpu)) {
    if (group.startsWith('machine') || group.startsWith('rss:')) continue;
    if (keep(group)) ms += value;
  }
  return (ms * 1_000) / Math.max(1, result.bookings);
}

/**
 * What this machine leaves the API tier. Evently's bookings need Postgres, Redis and the load
 * client whatever the API does; at the goal's rate those take their measured µs per booking out
 * of the machine's cores, and the API processes may use the rest. "ceiling" is the ratio Evently
 * would reach if its API tier cost nothing. Both assume Evently's Postgres µs per booking stays
 * as measured at a higher rate (its rounds would grow, so it would fall somewhat).
 */
export function printApiBudget(
  results: CaseResult[],
  targets: RatioTarget[],
  cores: number,
  bare: BareRouteRun | undefined,
): void {
  const rows = [];
  const machineUs = cores * 1_000_000;
  for (const target of targets) {
    const base = bestOf(results, target.key, 'pgbench', 'quiet');
    const evently = bestOf(results, target.key, 'Evently (HTTP)', 'quiet');
    if (!base || !evently) continue;
    const isApi = (group: string) => group.startsWith('API process');
    const api = perBooking(evently, isApi);
    const rest = perBooking(evently, (group) => !isApi(group));
    const budget = (ratio: number) => machineUs / (ratio * base.bookingsPerSecond) - rest;
    rows.push({
      target: target.label,
      'best pgbench /s': rate(base),
      'Evently without its API, µs/booking': Math.round(rest),
      'ceiling (API costing nothing)': (machineUs / rest / base.bookingsPerSecond).toFixed(2),
      'API µs/booking measured': Math.round(api),
      ...(bare ? { 'bare route µs/request': Math.round(bare.serverUs) } : {}),
      [`API budget at ${target.goal}×`]: Math.round(budget(target.goal)),
      ...(target.aim ? { [`API budget at ${target.aim}×`]: Math.round(budget(target.aim)) } : {}),
    });
  }
  console.log(
    `\nWhat ${cores} cores leave Evently's API tier at each goal: µs per booking over both API processes (Postgres, Redis and the plain HTTP client as measured; a negative budget: out of reach on this machine)`,
  );
  console.table(rows);
  if (bare) {
    console.log(
      `A bare node:http route (bare-booking-server.ts: parse the body, answer a booking; nothing else) under the same client: ${Math.round(bare.requestsPerSecond)} requests/s, server ${Math.round(bare.serverUs)} µs and client ${Math.round(bare.clientUs)} µs per request`,
    );
  }
}
