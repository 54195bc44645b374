import { loadavg } from 'node:os';
import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import type { BackgroundLoad } from './background-load.js';
import { runHttpBookingClients } from './booking-http-clients.js';
import { bookingInput } from './booking-order.js';
import { checkInventory, type InventoryCheck } from './hot-event-checks.js';
import { type ClientRun, runBookingClients } from './hot-event-clients.js';
import { type CpuGroup, startCpuSampler } from './hot-event-cpu.js';
import {
  type CustomScript,
  type PgbenchRun,
  type PgbenchScript,
  runPgbench,
} from './hot-event-pgbench.js';
import { monotonicMicros } from './hot-event-profile.js';
import { clientRow, oversellVerdict, pgbenchRow, type ResultRow } from './hot-event-report.js';
import type { BenchUser } from './hot-event-setup.js';
import { checkTypedEvent, typedVerdict } from './hot-event-typed-checks.js';
import { type TypedEvent, typedOrder } from './hot-event-typed-setup.js';
import { type OrderShapeName, plainOrderScript, typedOrderScript } from './hot-event-typed-sql.js';

/** What a case books on: the hot event (one row) or a set of events picked at random per call. */
export interface Target {
  /** 'hot', 'typed' or the set's size as text ('100', '1000'). */
  key: string;
  label: string;
  eventIds: string[];
  /** The typed hot event (issue 15): orders of its two types, and raw SQL's order script. */
  typed?: TypedEvent;
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

/**
 * Reads what the database holds for the target now; the function it answers reads it again and
 * judges the case: the plain targets' counters, rows and outbox events (`outboxPerBooking`), or
 * the typed event's quota, voucher, lines and prices as well (a free booking writes
 * booking.created and booking.confirmed, a hold only the first).
 */
async function snapshot(
  ctx: CaseContext,
  target: Target,
  outboxPerBooking: number,
): Promise<(answered: number) => Promise<string>> {
  const { typed } = target;
  if (typed) {
    const before = await checkTypedEvent(ctx.db, typed);
    const outbox = typed.status === 'pending' ? 1 : 2;
    return async (answered) =>
      typedVerdict(before, await checkTypedEvent(ctx.db, typed), answered, outbox);
  }
  const before = await checkInventory(ctx.db, target.eventIds);
  return async (answered) => {
    const after = await checkInventory(ctx.db, target.eventIds);
    return oversellVerdict(delta(before, after), answered, outboxPerBooking);
  };
}

/**
 * Runs `body` with the background load on for `variant` 'loaded', then checks the events;
 * `ended` runs as soon as the body has (the CPU window closes there, not after the check).
 */
async function checked<T>(
  ctx: CaseContext,
  target: Target,
  variant: Variant,
  body: () => Promise<T>,
  answered: (result: T) => number,
  outboxPerBooking: number,
  ended: () => Promise<void>,
): Promise<{ result: T; verdict: string; load: string }> {
  const judge = await snapshot(ctx, target, outboxPerBooking);
  if (variant === 'loaded') await ctx.background?.start();
  const load = loadNow();
  let result: T;
  try {
    result = await body();
    await ended();
  } finally {
    if (variant === 'loaded') await ctx.background?.stop();
  }
  return { result, verdict: await judge(answered(result)), load };
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
  const order = target.typed && typedOrder(target.typed);
  let stopSampler: (() => Promise<Record<string, number>>) | undefined;
  const sample = async (client: CpuGroup) => {
    const s = await startCpuSampler([...ctx.groups, client]);
    stopSampler = () => s.stop();
  };
  let fromMicros = 0;
  let toMicros = 0;
  let cpu: Record<string, number> = {};
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
          order,
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
      return runBookingClients(users, seconds, (call) =>
        bookingInput(ids[Math.floor(Math.random() * ids.length)] ?? '', order, call),
      );
    },
    (run) => run.bookedTotal,
    2,
    async () => {
      toMicros = monotonicMicros();
      cpu = (await stopSampler?.()) ?? {};
    },
  );
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

/**
 * pgbench, one booking per transaction on the target (its hot row or its set; on the typed event,
 * one order of its two types), checked. `shape` writes Evently's rows (hot-event-typed-sql.ts):
 * on the plain hot event as target `hot-order` (counts last) or `hot-lock` (rows locked first)
 * instead of issue 13's `one-booking`; on the typed event as `typed` (counts last, the default)
 * or `typed-lock`.
 */
export async function runPgbenchCase(
  ctx: CaseContext,
  options: { target: Target; clients: number; variant: Variant; shape?: OrderShapeName },
): Promise<CaseResult> {
  const { clients, variant, shape } = options;
  const target = shape ? shapedTarget(options.target, shape) : options.target;
  const eventId = target.eventIds[0] ?? '';
  const script: PgbenchScript | CustomScript = target.typed
    ? typedOrderScript(target.typed, shape ?? 'count-last')
    : shape
      ? plainOrderScript(eventId, await onlyTicketType(ctx, eventId), shape)
      : target.key === 'hot'
        ? 'one-booking'
        : 'spread';
  let stopSampler: (() => Promise<Record<string, number>>) | undefined;
  let cpu: Record<string, number> = {};
  const { result, verdict, load } = await checked<PgbenchRun>(
    ctx,
    target,
    variant,
    () =>
      runPgbench({
        databaseUrl: ctx.databaseUrl,
        eventId,
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
    // booking.created and booking.confirmed, as Evently writes for a free booking.
    shape ? 2 : 1,
    async () => {
      cpu = (await stopSampler?.()) ?? {};
    },
  );
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

/** The target a shape's results are reported under (see runPgbenchCase). */
export function shapedTarget(target: Target, shape: OrderShapeName): Target {
  const how = shape === 'lock-first' ? 'locked first' : 'counts last';
  if (target.typed) {
    const key = shape === 'lock-first' ? 'typed-lock' : target.key;
    return { ...target, key, label: `${target.label}, ${how}` };
  }
  const key = `${target.key}-${shape === 'lock-first' ? 'lock' : 'order'}`;
  return { ...target, key, label: `${target.label}, Evently's rows ${how}` };
}

/** The one ticket type of a plain event (its General admission). */
async function onlyTicketType(ctx: CaseContext, eventId: string): Promise<string> {
  const types = await ctx.db
    .selectFrom('ticket_types')
    .select('id')
    .where('event_id', '=', eventId)
    .execute();
  const [only] = types;
  if (!only || types.length > 1) throw new Error(`event ${eventId}: not one ticket type`);
  return only.id;
}
