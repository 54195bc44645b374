// The analytics bench of issues 6 and 13. (a) Freshness: SDK clients book free seats at a steady
// rate while an SSE client follows analytics.live; the time from a booking's answer to the stream
// showing its seat, p50/p99 (the path: outbox relay -> BullMQ -> projection -> pub/sub -> hub ->
// SSE), in two layouts (BENCH_ANALYTICS_LAYOUTS, both by default): `processes` (two API processes
// and a worker process, as production runs them; needs REDIS_URL) and `one-process` (everything
// in this process, with the worker's stages timed). (b) What analytics.overview/event/daily/
// topEvents cost per call with 10,000 and with 1,000,000 bookings (analytics-queries.ts). Needs
// DATABASE_URL (an admin URL: throwaway databases); freshness uses REDIS_URL when set (else the
// in-process queue and pub/sub). BENCH_ANALYTICS_RATE (bookings/s, 300), BENCH_ANALYTICS_SIZES
// ("10000,1000000"), BENCH_ANALYTICS_EVENTS (1000), BENCH_ANALYTICS_ROUNDS (3),
// BENCH_ANALYTICS_PARTS ("freshness,queries": either or both), BENCH_ANALYTICS_WORKERS (worker
// processes of the processes layout, 1). One-process freshness is also broken
// down by stage (analytics-stages.ts): commit -> relayed -> job started -> published -> SSE.
import { LIVE_CHANNEL } from '@evently/api';
import { createRedis } from '@evently/platform';
import { deleteKeysByPrefix } from '@evently/platform/testing';
import { adminPrincipal, liveClient, startAnalyticsApp } from './analytics-app.js';
import { driveFreshness, type FreshnessRun, freshnessRow } from './analytics-freshness.js';
import { benchAnalyticsQueries } from './analytics-queries.js';
import {
  epochNow,
  jobTimesFromRedis,
  notePublished,
  recordStages,
  type StageRecorder,
  stageTable,
  stageTimeline,
  traceBookings,
} from './analytics-stages.js';
import { openBenchDatabase } from './bench-database.js';
import { type ApiCluster, startApiCluster } from './hot-event-cluster.js';
import { startCpuSampler } from './hot-event-cpu.js';
import { publishFreeEvents, signedInClient, signInUsers } from './hot-event-setup.js';

const BOOKERS = 32;
const FRESHNESS_EVENTS = 10;
const DAY_MS = 86_400_000;

/** The freshness report's heading: where it ran and under what load. */
function freshnessHeading(
  layout: string,
  run: FreshnessRun,
  rate: number,
  seconds: number,
): string {
  return (
    `\nanalytics freshness, ${layout}: booking answered -> analytics.live shows its seat ` +
    `(${FRESHNESS_EVENTS} events, target ${rate} bookings/s for ${seconds} s; load average ` +
    `${run.loadBefore} before, ${run.loadAfter} after; bench client: event loop ` +
    `${Math.round(run.clientBusy * 100)}% busy, ${Math.round(run.clientCpu * 100)}% of a core)`
  );
}

/**
 * As production runs it: two `pnpm start:api` processes and one `pnpm start:worker` on Postgres
 * and Redis, the load and the SSE client in this process (bookers alternate between the APIs, the
 * stream follows the first). Reports each process's share of a core beside the figures.
 */
async function benchFreshnessProcesses(seconds: number, rate: number): Promise<void> {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    console.log('\nanalytics freshness, processes: skipped (needs REDIS_URL)');
    return;
  }
  const database = await openBenchDatabase(4);
  const redis = createRedis(redisUrl, 'command');
  let cluster: ApiCluster | undefined;
  try {
    if (!database.url) throw new Error('the processes layout needs a Postgres database');
    const workers = Number(process.env.BENCH_ANALYTICS_WORKERS ?? 1);
    cluster = await startApiCluster({ databaseUrl: database.url, redisUrl, count: 2, workers });
    const urls = cluster.apis.map((a) => a.url);
    const { users, organizer, organizerToken } = await signInUsers(
      database.handle.db,
      urls,
      BOOKERS,
    );
    const titles = Array.from({ length: FRESHNESS_EVENTS }, (_, i) => `Freshness #${i}`);
    const eventIds = await publishFreeEvents(organizer, titles);
    const groups = [
      ...cluster.apis.map((api, i) => ({ name: `API process ${i + 1}`, pids: () => [api.pid] })),
      { name: 'worker process', pids: () => cluster?.workers.map((w) => w.pid) ?? [] },
    ];
    // The worker's broadcasts as the API processes get them (Redis pub/sub), timestamped here.
    const published: StageRecorder['published'] = new Map();
    const subscriber = createRedis(redisUrl, 'subscriber');
    subscriber.on('message', (_channel: string, message: string) =>
      notePublished(published, message, epochNow()),
    );
    await subscriber.subscribe(`${cluster.redisKeyPrefix}pubsub:${LIVE_CHANNEL}`);
    const sampler = await startCpuSampler(groups);
    const started = performance.now();
    const run = await driveFreshness({
      bookers: users.map((u) => u.client),
      live: liveClient(urls[0] ?? '', organizerToken),
      eventIds,
      rate,
      seconds,
    });
    // Includes the drain after the window (the stream catching up): a share, not a rate.
    const cpu = await sampler.stop();
    const wallMs = performance.now() - started;
    console.log(
      freshnessHeading(
        'two API processes and a worker process (pnpm start:api x2 + start:worker)',
        run,
        rate,
        seconds,
      ),
    );
    console.table([
      {
        ...freshnessRow(run),
        ...Object.fromEntries(
          groups.map((g) => [`${g.name} % core`, Math.round(((cpu[g.name] ?? 0) / wallMs) * 100)]),
        ),
      },
    ]);
    subscriber.disconnect();
    const traces = await traceBookings(
      database.handle.db,
      { published, jobs: await jobTimesFromRedis(redis, cluster.redisKeyPrefix) },
      run.answeredBooking,
      run.received,
    );
    console.table(stageTable(traces).filter((row) => row.n > 0));
    console.table(stageTimeline(traces));
  } finally {
    await cluster?.stop();
    if (cluster) await deleteKeysByPrefix(redis, cluster.redisKeyPrefix).catch(() => {});
    redis.disconnect();
    await database.close();
  }
}

/**
 * API, worker, load and SSE client in this one process (the worker's queue and pub/sub ports
 * timed): the stage-by-stage breakdown, which needs the worker's instants.
 */
async function benchFreshnessOneProcess(seconds: number, rate: number): Promise<void> {
  const database = await openBenchDatabase();
  let stages: StageRecorder | undefined;
  const app = await startAnalyticsApp(database.handle, true, (platform) => {
    stages = recordStages(platform);
    return stages.platform;
  });
  try {
    if (!stages) throw new Error('the worker runtime did not start');
    const admin = await adminPrincipal(app);
    const eventIds: string[] = [];
    const startsAt = new Date(Date.now() + 30 * DAY_MS);
    for (let i = 0; i < FRESHNESS_EVENTS; i++) {
      const event = await app.services.events.create(admin, {
        title: `Freshness #${i}`,
        description: '',
        venue: 'Bench hall',
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString(),
        capacity: 1_000_000,
        priceCents: 0,
        currency: 'EUR',
        maxPerBooking: 1,
        maxPerUser: null,
        salesStartAt: null,
        salesEndAt: null,
        cancellationPolicy: null,
      });
      await app.services.events.publish(admin, event.id);
      eventIds.push(event.id);
    }
    const bookers: ReturnType<typeof signedInClient>[] = [];
    for (let i = 0; i < BOOKERS; i++) {
      const credentials = {
        email: `freshness-${i}@bench.example`,
        password: 'freshness bench 0123',
      };
      await app.services.auth.ensureAdmin(credentials);
      const { accessToken } = await app.services.auth.login(credentials, {
        ip: `10.66.0.${i + 1}`,
        userAgent: null,
      });
      bookers.push(signedInClient(app.url, accessToken));
    }
    const run = await driveFreshness({
      bookers,
      live: liveClient(app.url, app.adminToken),
      eventIds,
      rate,
      seconds,
    });
    console.log(
      freshnessHeading(
        `one process (${database.label}; ${app.platform.redis === 'redis' ? 'Redis' : 'in-process'} queue and pub/sub)`,
        run,
        rate,
        seconds,
      ),
    );
    console.table([freshnessRow(run)]);
    const traces = await traceBookings(
      database.handle.db,
      stages,
      run.answeredBooking,
      run.received,
    );
    console.log(
      '\nanalytics freshness by stage (booking.confirmed, the event that sells the seat)',
    );
    console.table(stageTable(traces));
    console.table(stageTimeline(traces));
  } finally {
    await app.close().catch((error: unknown) => console.error('closing the app failed', error));
    await database.close();
  }
}

export async function benchAnalytics(seconds: number): Promise<void> {
  if (!process.env.DATABASE_URL) {
    console.log('\nanalytics: skipped (needs DATABASE_URL: throwaway Postgres databases)');
    return;
  }
  const parts = (process.env.BENCH_ANALYTICS_PARTS ?? 'freshness,queries').split(',');
  const rate = Number(process.env.BENCH_ANALYTICS_RATE ?? 300);
  const layouts = (process.env.BENCH_ANALYTICS_LAYOUTS ?? 'processes,one-process').split(',');
  if (parts.includes('freshness') && layouts.includes('processes'))
    await benchFreshnessProcesses(seconds, rate);
  if (parts.includes('freshness') && layouts.includes('one-process'))
    await benchFreshnessOneProcess(seconds, rate);
  if (parts.includes('queries')) await benchAnalyticsQueries(seconds);
}
