import { loadavg } from 'node:os';
import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import type { BackgroundLoad } from './background-load.js';
import { runHttpBookingClients } from './booking-http-clients.js';
import { checkInventory, type InventoryCheck } from './hot-event-checks.js';
import { type ClientRun, runBookingClients } from './hot-event-clients.js';
import { type CpuGroup, startCpuSampler } from './hot-event-cpu.js';
import { type PgbenchRun, type PgbenchScript, runPgbench } from './hot-event-pgbench.js';
import { monotonicMicros } from './hot-event-profile.js';
import { clientRow, oversellVerdict, pgbenchRow, type ResultRow } from './hot-event-report.js';
import type { BenchUser } from './hot-event-setup.js';

/** What a case books on: the hot event (one row) or a set of events picked at random per call. */
export interface Target {
  /** 'hot' or the set's size as text ('100', '1000'). */
  key: string;
  label: string;
  eventIds: string[];
}

export type Side = 'Evently (HTTP)' | 'Evently (SDK)' | 'pgbench';
export type Variant = 'quiet' | 'loaded';

export interface CaseResult {
  target: string;
  side: Side;
  variant: Variant;
  /** Connections: Evently's users, or pgbench's clients. */
  clients: number;
  bookingsPerSecond: number;
  row: ResultRow;
  cpu: Record<string, number>;
  bookings: number;
  /** Evently's window, for the batch sizes and the CPU profiles. */
  window?: { run: ClientRun; fromMicros: number; toMicros: number };
}

export interface CaseContext {
  db: Kysely<Database>;
  databaseUrl: string;
  seconds: number;
  /** CPU groups other than the load generator's (API processes, Postgres, Redis). */
  groups: CpuGroup[];
  background?: BackgroundLoad | undefined;
}

const loadNow = () => loadavg()[0]?.toFixed(2) ?? '?';

/**
 * What changed on the events during a case: counters, rows and outbox events as differences;
 * `capacity` becomes the seats that were left, so "never above capacity" still holds per case.
 */
function delta(before: InventoryCheck, after: InventoryCheck): InventoryCheck {
  return {
    capacity: after.capacity - before.confirmed - before.held,
    confirmed: after.confirmed - before.confirmed,
    held: after.held,
    confirmedBookings: after.confirmedBookings - before.confirmedBookings,
    outboxEvents: after.outboxEvents - before.outboxEvents,
    auditEntries: after.auditEntries - before.auditEntries,
  };
}

/** Runs `body` with the background load on for `variant` 'loaded', then checks the events. */
async function checked<T>(
  ctx: CaseContext,
  target: Target,
  variant: Variant,
  body: () => Promise<T>,
  answered: (result: T) => number,
  outboxPerBooking: number,
): Promise<{ result: T; verdict: string; load: string }> {
  const before = await checkInventory(ctx.db, target.eventIds);
  if (variant === 'loaded') await ctx.background?.start();
  const load = loadNow();
  let result: T;
  try {
    result = await body();
  } finally {
    if (variant === 'loaded') await ctx.background?.stop();
  }
  const after = await checkInventory(ctx.db, target.eventIds);
  const verdict = oversellVerdict(delta(before, after), answered(result), outboxPerBooking);
  return { result, verdict, load };
}

const variantSuffix = (variant: Variant) => (variant === 'loaded' ? ', + background' : '');

/** Evently booked by the users through the SDK or the plain HTTP driver, checked. */
export async function runEventlyCase(
  ctx: CaseContext,
  options: {
    target: Target;
    side: 'Evently (HTTP)' | 'Evently (SDK)';
    variant: Variant;
    users: BenchUser[];
    idempotencyKeys: boolean;
    seconds?: number;
  },
): Promise<CaseResult> {
  const { target, side, variant, users } = options;
  const seconds = options.seconds ?? ctx.seconds;
  let stopSampler: (() => Promise<Record<string, number>>) | undefined;
  const sample = async (client: CpuGroup) => {
    const s = await startCpuSampler([...ctx.groups, client]);
    stopSampler = () => s.stop();
  };
  let fromMicros = 0;
  const { result, verdict, load } = await checked(
    ctx,
    target,
    variant,
    async () => {
      if (side === 'Evently (HTTP)') {
        const run = await runHttpBookingClients({
          users,
          eventIds: target.eventIds,
          seconds,
          idempotencyKeys: options.idempotencyKeys,
          onStart: async (driver) => {
            await sample(driver);
            fromMicros = monotonicMicros();
          },
        });
        return run;
      }
      await sample({ name: 'bench client', pids: () => [process.pid] });
      fromMicros = monotonicMicros();
      const ids = target.eventIds;
      return runBookingClients(
        users,
        seconds,
        () => ids[Math.floor(Math.random() * ids.length)] ?? '',
      );
    },
    (run) => run.bookedTotal,
    2,
  );
  const toMicros = monotonicMicros();
  const cpu = (await stopSampler?.()) ?? {};
  const name = `${side}, ${target.label}, ${users.length} users${variantSuffix(variant)}`;
  return {
    target: target.key,
    side,
    variant,
    clients: users.length,
    bookingsPerSecond: result.booked / seconds,
    row: clientRow(name, result, verdict, load),
    cpu,
    bookings: result.booked,
    window: { run: result, fromMicros, toMicros },
  };
}

/** pgbench, one booking per transaction on the target (its hot row or its set), checked. */
export async function runPgbenchCase(
  ctx: CaseContext,
  options: { target: Target; clients: number; variant: Variant },
): Promise<CaseResult> {
  const { target, clients, variant } = options;
  const script: PgbenchScript = target.key === 'hot' ? 'one-booking' : 'spread';
  let stopSampler: (() => Promise<Record<string, number>>) | undefined;
  const { result, verdict, load } = await checked<PgbenchRun>(
    ctx,
    target,
    variant,
    () =>
      runPgbench({
        databaseUrl: ctx.databaseUrl,
        eventId: target.eventIds[0] ?? '',
        events: target.eventIds.length,
        clients,
        seconds: ctx.seconds,
        script,
        async onStart(group) {
          const s = await startCpuSampler([
            { ...group, name: 'bench client' },
            ...ctx.groups.filter((g) => !g.name.startsWith('API')),
          ]);
          stopSampler = () => s.stop();
        },
      }),
    (run) => run.transactions,
    1,
  );
  const cpu = (await stopSampler?.()) ?? {};
  const name = `pgbench, ${target.label}, ${clients} clients${variantSuffix(variant)}`;
  return {
    target: target.key,
    side: 'pgbench',
    variant,
    clients,
    bookingsPerSecond: result.tps,
    row: pgbenchRow(name, result, verdict, load),
    cpu,
    bookings: result.transactions,
  };
}
