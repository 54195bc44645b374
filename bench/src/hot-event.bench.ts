// The flash-sale bench (issues 5 and 13): Evently against raw SQL at its best, in one run.
// Evently: two API processes (Postgres + Redis); N signed-in users book one seat at a time, driven
// once by a plain keep-alive HTTP client in a process of its own (booking-http-driver.ts) and once
// by the SDK, on one hot event and on sets of 100 and 1,000 events (each call picks one at random).
// Raw SQL: pgbench writes one booking per transaction on a hot event's row and on sets of as many
// events (the spread script), at each of several client counts; the best count is the baseline.
// The typed hot event (issue 15): orders of one seat of each of two types sharing a quota,
// every other one with a voucher, against raw SQL writing the same rows in one transaction an
// order, counts last or rows locked first, whichever is faster (hot-event-typed-*.ts); its ratio
// is held against the plain hot event's against raw SQL writing Evently's rows the same two ways.
// Target by target: Evently's cases, then the APIs stop (pgbench needs the connections) and
// pgbench's cases run, then the APIs start again for the next target. With BENCH_BACKGROUND=pgbench-ro every case also runs beside a read-only pgbench
// load. Every case is checked against the database (no oversell, every answer a row).
// Needs DATABASE_URL (an admin URL: throwaway databases are made and dropped) and REDIS_URL (a key
// prefix of its own, deleted at the end).
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { createRedis } from '@evently/platform';
import { deleteKeysByPrefix } from '@evently/platform/testing';
import { type BackgroundLoad, openBackgroundLoad } from './background-load.js';
import { measureBareRoute } from './bare-route.js';
import { openBenchDatabase } from './bench-database.js';
import { numbers } from './bench-settings.js';
import {
  type CaseContext,
  type CaseResult,
  runEventlyCase,
  runPgbenchCase,
  shapedTarget,
  type Target,
  type Variant,
} from './hot-event-cases.js';
import { measureBatchSizes, measureBatchTimeline } from './hot-event-checks.js';
import { startApiCluster } from './hot-event-cluster.js';
import { type CpuGroup, postgresBackends } from './hot-event-cpu.js';
import { registerSpreadSet } from './hot-event-pgbench.js';
import {
  mainThreadProfile,
  mergeSummaries,
  type ProfileSummary,
  summariseProfile,
} from './hot-event-profile.js';
import {
  printApiBudget,
  printBackgroundLoss,
  printRatios,
  printTypedRatios,
  type RatioTarget,
} from './hot-event-ratios.js';
import { printBatches, printCpu, printProfiles, printResults } from './hot-event-report.js';
import {
  BENCH_CAPACITY,
  publishManyFreeEvents,
  signedInClient,
  signInUsers,
} from './hot-event-setup.js';
import {
  publishTypedEvents,
  TYPED_PERCENT_OFF,
  TYPED_PRICES,
  TYPED_QUOTA_SIZE,
} from './hot-event-typed-setup.js';
import type { OrderShapeName } from './hot-event-typed-sql.js';
import { measureStreamMemory } from './stream-memory.js';

/** `typed`: the typed hot event and the plain one it is held against, nothing else. */
export type HotEventCases = 'all' | 'typed';

function settings(cases: HotEventCases) {
  const env = process.env;
  const typedOnly = cases === 'typed';
  const background = env.BENCH_BACKGROUND;
  if (background && background !== 'pgbench-ro')
    throw new Error(`BENCH_BACKGROUND=${background}: only pgbench-ro is known`);
  return {
    seconds: Number(env.BENCH_HOT_SECONDS ?? 10),
    users: Number(env.BENCH_HOT_CLIENTS ?? 64),
    warmUpSeconds: Number(env.BENCH_HOT_WARMUP_SECONDS ?? 3),
    // Raw SQL's best on the hot rows is at 2 or 4 clients on this machine (2026-12-06): counts
    // that leave it out measure a slower baseline than raw SQL's best.
    pgbenchClients: numbers(env.BENCH_PGBENCH_CLIENTS ?? '2,4,8,16,64'),
    spreadSizes: typedOnly ? [] : numbers(env.BENCH_SPREAD_EVENTS ?? '100,1000'),
    typed: typedOnly || env.BENCH_HOT_TYPED !== '0',
    typedOnly,
    idempotencyKeys: env.BENCH_HTTP_IDEMPOTENCY !== '0',
    background: background === 'pgbench-ro',
    backgroundClients: Number(env.BENCH_BACKGROUND_CLIENTS ?? 4),
    profileDir: env.BENCH_PROFILE_DIR && resolve(env.BENCH_PROFILE_DIR),
    sseStreams: typedOnly ? 0 : Number(env.BENCH_SSE_STREAMS ?? 1_000),
  };
}

export async function benchHotEvent(cases: HotEventCases = 'all'): Promise<void> {
  const s = settings(cases);
  const redisUrl = process.env.REDIS_URL;
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl || !redisUrl) {
    console.log('\nhot-event: skipped (needs DATABASE_URL and REDIS_URL: two API processes)');
    return;
  }
  // A small pool: the database is only checked between cases; pgbench needs up to 64 connections.
  const database = await openBenchDatabase(4);
  const databaseUrl = database.url;
  const db = database.handle.db;
  const redis = createRedis(redisUrl, 'command');
  let cluster: Awaited<ReturnType<typeof startApiCluster>> | undefined;
  let background: BackgroundLoad | undefined;
  try {
    if (!databaseUrl) throw new Error('hot-event needs a Postgres database');
    if (s.profileDir) await mkdir(s.profileDir, { recursive: true });
    if (s.background) background = await openBackgroundLoad(adminUrl, s.backgroundClients);
    cluster = await startApiCluster({
      databaseUrl,
      redisUrl,
      count: 2,
      profileDir: s.profileDir,
    });
    const apis = cluster.apis;
    const { users, organizer, organizerToken } = await signInUsers(
      db,
      apis.map((a) => a.url),
      s.users,
    );

    // Evently and pgbench never share an event: each side's cases are checked on its own rows.
    const spreadTitles = (side: string, n: number) =>
      Array.from({ length: n }, (_, i) => `${side} spread ${n}, event ${i + 1}`);
    const ids = await publishManyFreeEvents(organizer, [
      'Evently hot event',
      'pgbench hot event',
      ...s.spreadSizes.flatMap((n) => [...spreadTitles('Evently', n), ...spreadTitles('pg', n)]),
    ]);
    const hotIds = ids.splice(0, 2);
    const typed = s.typed
      ? await publishTypedEvents(organizer, ['Evently typed hot event', 'pgbench typed hot event'])
      : [];
    const targets = (side: number): Target[] => [
      { key: 'hot', label: '1 hot event', eventIds: [hotIds[side] ?? ''] },
      // Right after the plain hot event, so the machine drifts little between the two ratios.
      ...typed.slice(side, side + 1).map((t) => ({
        key: 'typed',
        label: '1 hot event, typed',
        eventIds: [t.eventId],
        typed: t,
      })),
      ...s.spreadSizes.map((n, i) => ({
        key: `${n}`,
        label: `${n.toLocaleString('en')} events`,
        // Published as: Evently's set of each size, then pgbench's.
        eventIds: ids.slice(2 * sumBefore(s.spreadSizes, i) + side * n).slice(0, n),
      })),
    ];
    const eventlyTargets = targets(0);
    const pgTargets = targets(1);
    for (const t of pgTargets.slice(1)) await registerSpreadSet(db, t.eventIds);

    const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1] ?? 0);
    const groups: CpuGroup[] = [
      // The processes of the cluster's current generation (it restarts for every target).
      ...apis.map((_, i) => ({
        name: `API process ${i + 1}`,
        rss: true,
        pids: () => (cluster?.apis[i] ? [cluster.apis[i].pid] : []),
      })),
      postgresBackends(db),
      // Shared with whatever else uses this Redis; only the bench writes much meanwhile.
      { name: 'Redis server', pids: () => (redisPid ? [redisPid] : []) },
    ];
    const ctx: CaseContext = { db, databaseUrl, seconds: s.seconds, groups, background };
    const variants: Variant[] = s.background ? ['quiet', 'loaded'] : ['quiet'];
    const results: CaseResult[] = [];
    const batches = [];
    const profileWindows: ProfileWindow[] = [];
    const profilePaths: string[] = [];
    const memory: Record<string, string | number>[] = [];

    // Target by target, Evently's cases and then pgbench's, so the machine's load (shared, never
    // quiet) drifts as little as possible between the two sides of a ratio. pgbench needs its
    // clients' connections, so the APIs stop for it and start again for the next target.
    for (const [t, target] of eventlyTargets.entries()) {
      const pgTarget = pgTargets[t];
      await cluster.start();
      const current = cluster.apis;
      const bound = users.map((u, i) => {
        const url = current[i % current.length]?.url ?? '';
        return { ...u, url, client: signedInClient(url, u.accessToken) };
      });
      const evently = (side: 'Evently (HTTP)' | 'Evently (SDK)', v: Variant, seconds?: number) =>
        runEventlyCase(ctx, {
          target,
          side,
          variant: v,
          users: bound,
          idempotencyKeys: s.idempotencyKeys,
          ...(seconds !== undefined && { seconds }),
        });
      // Untimed but checked: JIT of both APIs and their pools, the clients' sockets.
      for (const side of ['Evently (SDK)', 'Evently (HTTP)'] as const) {
        const w = await evently(side, 'quiet', s.warmUpSeconds);
        if (!w.row.check.startsWith('ok')) console.log(`warm-up check: ${w.row.check}`);
      }
      // Quiet and loaded back to back, so the machine's own load drifts little between them.
      const windows: CaseResult[] = [];
      for (const side of ['Evently (HTTP)', 'Evently (SDK)'] as const)
        for (const v of pairOrder(variants)) {
          const r = await evently(side, v);
          results.push(r);
          if (side === 'Evently (HTTP)' && v === 'quiet') windows.push(r);
        }
      for (const r of windows) {
        if (!r.window) continue;
        const { startedAt, endedAt } = r.window.run;
        batches.push({
          name: `${target.label} (HTTP)`,
          sizes: await measureBatchSizes(db, target.eventIds, startedAt, endedAt),
          ...((target.key === 'hot' || target.typed) && {
            timeline: await measureBatchTimeline(db, target.eventIds[0] ?? '', startedAt, endedAt),
          }),
        });
      }
      if (target.key === 'hot' && s.sseStreams > 0) {
        memory.push(
          ...(await measureStreamMemory(
            current,
            organizerToken,
            target.eventIds[0] ?? '',
            s.sseStreams,
          )),
        );
      }
      await cluster.stop();
      const profiles = await apiProfiles(current, windows);
      if (profiles) {
        profileWindows.push(...profiles.windows);
        profilePaths.push(...profiles.paths);
      }

      if (!pgTarget) continue;
      // Beside the typed event, the plain one is also held against raw SQL writing Evently's rows
      // in both of raw SQL's shapes (hot-event-typed-sql.ts), as the typed event is; the shapes
      // take turns at each client count, so the machine drifts little between them.
      const shapes: (OrderShapeName | undefined)[] =
        target.typed !== undefined
          ? ['count-last', 'lock-first']
          : target.key === 'hot' && s.typed
            ? [undefined, 'count-last', 'lock-first']
            : [undefined];
      for (const clients of s.pgbenchClients)
        for (const shape of shapes)
          for (const v of pairOrder(variants)) {
            const result = await pgbenchWithRetries(() =>
              runPgbenchCase(ctx, { target: pgTarget, clients, variant: v, shape }),
            );
            const label = shape ? shapedTarget(pgTarget, shape).label : target.label;
            if (typeof result === 'string')
              console.log(`pgbench, ${label}, ${clients} clients, ${v}: FAILED (${result})`);
            else results.push(result);
          }
    }

    // What HTTP alone costs here, under the same client (the floor under the API's µs/booking).
    const bare = s.typedOnly
      ? undefined
      : await measureBareRoute(s.users, 1).then(() => measureBareRoute(s.users, s.seconds));

    const typedLabel = `orders of one seat of each of two types (${TYPED_PRICES.map((p) => `${p / 100} €`).join(' and ')}) sharing a quota of ${TYPED_QUOTA_SIZE.toLocaleString('en')}, every other one with a ${TYPED_PERCENT_OFF} % voucher`;
    printResults(
      `Bookings: ${s.users} Evently users (2 API processes), pgbench at ${s.pgbenchClients.join('/')} clients, ${s.seconds} s a case, free events of capacity ${BENCH_CAPACITY.toLocaleString('en')}, maxPerBooking 1, idempotency keys ${s.idempotencyKeys ? 'on' : 'off'}${s.typed ? `; typed: ${typedLabel}` : ''} (${database.label})`,
      results.map((r) => r.row),
    );
    // The typed event is held against the plain one (printTypedRatios), not against a goal.
    const ratioTargets: RatioTarget[] = eventlyTargets.flatMap((t) =>
      t.typed
        ? []
        : [
            t.key === 'hot'
              ? { key: t.key, label: t.label, goal: 2 }
              : { key: t.key, label: t.label, goal: 1, aim: 1.5 },
          ],
    );
    printRatios(results, ratioTargets);
    printTypedRatios(results);
    printApiBudget(results, ratioTargets, availableParallelism(), bare);
    if (background) printBackgroundLoss(results, ratioTargets, background.label);
    printBatches(batches, s.seconds);
    if (memory.length > 0) {
      console.log(
        '\nAPI process memory under the hot event and with analytics.live SSE streams open',
      );
      console.table(memory);
    }
    printCpu(
      results.map((r) => ({ name: r.row.case, cpu: r.cpu, bookings: r.bookings })),
      s.seconds,
    );
    if (profileWindows.length > 0) printProfiles(profileWindows, profilePaths);
  } finally {
    await cluster?.stop();
    if (cluster) await deleteKeysByPrefix(redis, cluster.redisKeyPrefix);
    redis.disconnect();
    await background?.close();
    await database.close();
  }
}

let pairs = 0;
/** Quiet first, then loaded first, and so on: neither always has the earlier (or later) slot. */
function pairOrder(variants: Variant[]): Variant[] {
  pairs += 1;
  return pairs % 2 === 0 ? [...variants].reverse() : variants;
}

/**
 * A shared server may refuse pgbench's connections for a while (max_connections is shared with
 * other work): try again after a pause, then report the case as failed rather than abort.
 */
async function pgbenchWithRetries(run: () => Promise<CaseResult>): Promise<CaseResult | string> {
  let why = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await run();
    } catch (error) {
      why = error instanceof Error ? error.message.split('\n').slice(0, 3).join(' ') : `${error}`;
      if (!why.includes('too many clients')) return why;
      await new Promise((r) => setTimeout(r, 5_000));
    }
  }
  return `${why} (3 attempts)`;
}

/** Sum of the sizes before index `i` (where a spread set starts among the published events). */
function sumBefore(sizes: number[], i: number): number {
  return sizes.slice(0, i).reduce((a, b) => a + b, 0);
}

type ProfileWindow = ProfileSummary & { name: string; bookings: number };

/** The API processes' CPU profiles (BENCH_PROFILE_DIR) summed per Evently window. */
async function apiProfiles(
  apis: { pid: number; profileDir?: string }[],
  windows: CaseResult[],
): Promise<{ windows: ProfileWindow[]; paths: string[] } | undefined> {
  const paths: string[] = [];
  for (const api of apis) {
    const path = api.profileDir && (await mainThreadProfile(api.profileDir, api.pid));
    if (path) paths.push(path);
  }
  if (paths.length === 0) return undefined;
  const out = [];
  for (const r of windows) {
    if (!r.window) continue;
    const { fromMicros, toMicros } = r.window;
    const summaries = await Promise.all(
      paths.map((p) => summariseProfile(p, fromMicros, toMicros)),
    );
    out.push({ name: r.target, bookings: r.bookings, ...mergeSummaries(summaries) });
  }
  return { windows: out, paths };
}
