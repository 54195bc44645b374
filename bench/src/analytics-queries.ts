// What each analytics query costs at 10,000 bookings and at 1,000,000 (issue 13, target 4): two
// throwaway databases seeded in SQL (read models rebuilt), one API on each in this process, the
// load from a child process. The two sizes are measured in alternation, query by query, for
// BENCH_ANALYTICS_ROUNDS rounds: a drift of the shared machine's load then falls on both sides
// of a ratio alike. Cost = the server's CPU (this process) + Postgres's backends, per call.
import { rebuildAnalytics } from '@evently/api';
import { sql } from 'kysely';
import { pino } from 'pino';
import { type AnalyticsApp, adminPrincipal, startAnalyticsApp } from './analytics-app.js';
import {
  seedAnalyticsBookings,
  seedAnalyticsEvents,
  seedAnalyticsUsers,
} from './analytics-seed.js';
import { type BenchDatabase, openBenchDatabase } from './bench-database.js';
import { loadFromChild } from './child-load.js';
import { type CpuGroup, postgresBackends, startCpuSampler } from './hot-event-cpu.js';
import { trpcPath } from './read-path-servers.js';

const DAY_MS = 86_400_000;

interface Size {
  bookings: number;
  database: BenchDatabase;
  app: AnalyticsApp;
  /** The URL of each query on this size's server. */
  urls: string[];
  postgres: CpuGroup;
}

interface Tally {
  /** CPU µs per call of each round (server + Postgres). */
  rounds: number[];
  calls: number;
  apiUs: number;
  postgresUs: number;
  failures: number;
  p50Ms: number[];
  p99Ms: number[];
}

/** A database with `bookings` over `eventCount` events, its read models rebuilt, and its API. */
async function openSize(bookings: number, eventCount: number): Promise<Size> {
  const database = await openBenchDatabase();
  const db = database.handle.db;
  const app = await startAnalyticsApp(database.handle, false);
  const organizer = await adminPrincipal(app);
  await seedAnalyticsEvents(db, organizer.userId, eventCount);
  await seedAnalyticsUsers(db, 1000);
  const seeding = performance.now();
  await seedAnalyticsBookings(db, 0, bookings);
  const seedMs = performance.now() - seeding;
  const rebuilding = performance.now();
  const rebuilt = await rebuildAnalytics({
    db,
    pubsub: app.platform.pubsub,
    log: pino({ level: 'silent' }),
    now: () => new Date(),
  });
  const rebuildMs = performance.now() - rebuilding;
  // analytics.event for a typical event of this size: the median by bookings in the week shown
  // (the first event seeded may have none at 10,000 bookings, or twice the usual).
  const { rows: median } = await sql<{ id: string; n: number }>`
    WITH c AS (
      SELECT e.id, count(b.id)::int AS n FROM events e
      LEFT JOIN bookings b ON b.event_id = e.id AND b.confirmed_at >= now() - interval '7 days'
      WHERE e.title LIKE 'Analytics bench #%' GROUP BY e.id
    )
    SELECT id, n FROM c ORDER BY n, id OFFSET (SELECT count(*) / 2 FROM c) LIMIT 1`.execute(db);
  const typical = median[0];
  if (!typical) throw new Error('no event was seeded');
  // Statistics and visibility as autovacuum leaves them in time (not racing the measurement).
  await sql`VACUUM ANALYZE`.execute(db);
  console.log(
    `\n${bookings.toLocaleString('en')} bookings over ${eventCount} events (${database.label}): ` +
      `seeded in ${Math.round(seedMs)} ms, read models rebuilt in ${Math.round(rebuildMs)} ms ` +
      `(${rebuilt.seriesRows.toLocaleString('en')} series rows); analytics.event shows one with ` +
      `${typical.n} confirmed bookings in its week`,
  );
  const today = new Date().toISOString().slice(0, 10);
  const monthAgo = new Date(Date.now() - 29 * DAY_MS).toISOString().slice(0, 10);
  const firstStart = new Date(Date.now() + DAY_MS);
  const inputs: Array<[string, unknown]> = [
    ['analytics.overview', {}],
    [
      'analytics.overview',
      {
        from: firstStart.toISOString(),
        to: new Date(firstStart.getTime() + 7 * DAY_MS).toISOString(),
      },
    ],
    ['analytics.event', { eventId: typical.id }],
    ['analytics.daily', { from: monthAgo, to: today }],
    ['analytics.topEvents', { by: 'revenue', limit: 10 }],
  ];
  return {
    bookings,
    database,
    app,
    urls: inputs.map(([procedure, input]) => `${app.url}${trpcPath(procedure, input)}`),
    postgres: postgresBackends(db),
  };
}

const QUERY_NAMES = [
  'overview',
  'overview, a week of events',
  'event (7 days hourly)',
  'daily, 30 days',
  'topEvents by revenue',
];

export async function benchAnalyticsQueries(seconds: number): Promise<void> {
  const [smallBookings, largeBookings] = (process.env.BENCH_ANALYTICS_SIZES ?? '10000,1000000')
    .split(',')
    .map(Number)
    .sort((a, b) => a - b);
  const eventCount = Number(process.env.BENCH_ANALYTICS_EVENTS ?? 1000);
  const rounds = Number(process.env.BENCH_ANALYTICS_ROUNDS ?? 3);
  const sizes: Size[] = [];
  try {
    for (const bookings of [smallBookings ?? 10_000, largeBookings ?? 1_000_000]) {
      sizes.push(await openSize(bookings, eventCount));
    }
    const tallies = sizes.map(() =>
      QUERY_NAMES.map(
        (): Tally => ({
          rounds: [],
          calls: 0,
          apiUs: 0,
          postgresUs: 0,
          failures: 0,
          p50Ms: [],
          p99Ms: [],
        }),
      ),
    );
    for (let round = 0; round < rounds; round++) {
      for (const [q] of QUERY_NAMES.entries()) {
        for (const [s, size] of sizes.entries()) {
          const url = size.urls[q];
          const tally = tallies[s]?.[q];
          if (!url || !tally) continue;
          const options = {
            connections: 10,
            headers: { authorization: `Bearer ${size.app.adminToken}` },
          };
          // Untimed warm-up, long enough for the JIT: else the first size pays it.
          if (round === 0) await loadFromChild(url, 3, options);
          const sampler = await startCpuSampler([size.postgres]);
          const before = process.cpuUsage();
          const result = await loadFromChild(url, seconds, options);
          const api = process.cpuUsage(before);
          const used = await sampler.stop();
          const cpuUs = api.user + api.system + (used['Postgres backends'] ?? 0) * 1_000;
          tally.rounds.push(cpuUs / Math.max(1, result.requests));
          tally.calls += result.requests;
          tally.apiUs += api.user + api.system;
          tally.postgresUs += (used['Postgres backends'] ?? 0) * 1_000;
          tally.failures += result.failures;
          tally.p50Ms.push(result.p50Ms);
          tally.p99Ms.push(result.p99Ms);
        }
      }
    }
    const [small, large] = sizes;
    console.log(
      `\nanalytics queries, ${small?.bookings.toLocaleString('en')} vs ` +
        `${large?.bookings.toLocaleString('en')} bookings (${rounds} rounds of ${seconds} s a ` +
        'query and size, the sizes alternating; 10 connections from a child process; µs of CPU ' +
        "per call: the server's + Postgres's; cost ratio = the large size's over the small's)",
    );
    const perCall = (t: Tally | undefined) => ({
      api: (t?.apiUs ?? 0) / Math.max(1, t?.calls ?? 0),
      pg: (t?.postgresUs ?? 0) / Math.max(1, t?.calls ?? 0),
    });
    const spread = (values: number[] | undefined) =>
      values && values.length > 0 ? `${Math.min(...values)}–${Math.max(...values)}` : '-';
    console.table(
      QUERY_NAMES.map((name, q) => {
        const [s, l] = [tallies[0]?.[q], tallies[1]?.[q]];
        const [a, b] = [perCall(s), perCall(l)];
        return {
          query: name,
          'p50 ms small': spread(s?.p50Ms),
          'p50 ms large': spread(l?.p50Ms),
          'API+PG µs small': `${Math.round(a.api)}+${Math.round(a.pg)}`,
          'API+PG µs large': `${Math.round(b.api)}+${Math.round(b.pg)}`,
          'cost ratio': ((b.api + b.pg) / Math.max(1, a.api + a.pg)).toFixed(2),
          // Each round's large over small, measured back to back: how far the ratio moved.
          rounds: (s?.rounds ?? [])
            .map((small, r) => ((l?.rounds[r] ?? 0) / Math.max(1, small)).toFixed(2))
            .join(' '),
          'calls/s ratio': ((s?.calls ?? 0) / Math.max(1, l?.calls ?? 0)).toFixed(2),
          errors: (s?.failures ?? 0) + (l?.failures ?? 0),
        };
      }),
    );
  } finally {
    for (const size of sizes) {
      await size.app
        .close()
        .catch((error: unknown) => console.error('closing the app failed', error));
      await size.database.close();
    }
  }
}
