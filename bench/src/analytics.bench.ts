// The analytics bench of issue 6. (a) Freshness: SDK clients book free seats at a steady rate
// while an SSE client follows analytics.live; the time from a booking's answer to the stream
// showing its seat, p50/p99 (the path: outbox relay -> BullMQ -> projection -> pub/sub -> hub ->
// SSE). (b) Query latency of analytics.overview/event/daily/topEvents through the server with
// 10,000 and with 1,000,000 bookings (seeded in SQL, read models rebuilt): the read models keep
// the ratio near 1. Needs DATABASE_URL (an admin URL: throwaway databases); freshness uses
// REDIS_URL when set (else the in-process queue and pub/sub). BENCH_ANALYTICS_RATE (bookings/s,
// 300), BENCH_ANALYTICS_SIZES ("10000,1000000"), BENCH_ANALYTICS_EVENTS (1000),
// BENCH_ANALYTICS_PARTS ("freshness,queries": either or both). Freshness is also broken down by
// stage (analytics-stages.ts): commit -> relayed -> job started -> published -> SSE received.
import { rebuildAnalytics, type Services } from '@evently/api';
import { pino } from 'pino';
import { type AnalyticsApp, liveClient, startAnalyticsApp } from './analytics-app.js';
import {
  seedAnalyticsBookings,
  seedAnalyticsEvents,
  seedAnalyticsUsers,
} from './analytics-seed.js';
import {
  epochNow,
  recordStages,
  type StageRecorder,
  stageTable,
  stageTimeline,
  traceBookings,
  uptimeLoad,
} from './analytics-stages.js';
import { openBenchDatabase } from './bench-database.js';
import { signedInClient } from './hot-event-setup.js';
import { type LoadResult, load } from './load.js';
import { trpcPath } from './read-path-servers.js';

const BOOKERS = 32;
const FRESHNESS_EVENTS = 10;
const MAX_IN_FLIGHT = 256;
const DAY_MS = 86_400_000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Principal = Awaited<ReturnType<Services['auth']['authenticate']>>;

function adminPrincipal(app: AnalyticsApp): Promise<Principal> {
  return app.services.auth.authenticate(app.adminToken);
}

async function benchFreshness(seconds: number): Promise<void> {
  const rate = Number(process.env.BENCH_ANALYTICS_RATE ?? 300);
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

    // Per event: when each booking was answered, and how many seats the stream has shown.
    const answered = new Map<string, number[]>(eventIds.map((id) => [id, []]));
    const answeredBooking = new Map<string, number>();
    const shown = new Map<string, number>(eventIds.map((id) => [id, 0]));
    // Per event: when the stream showed each seat (index = seat).
    const received = new Map<string, number[]>(eventIds.map((id) => [id, []]));
    let updates = 0;
    const subscription = liveClient(app.url, app.adminToken).analytics.live.subscribe(
      {},
      {
        onData: ({ data }) => {
          const at = epochNow();
          updates += 1;
          const before = shown.get(data.eventId);
          if (before === undefined) return;
          const seen = received.get(data.eventId) ?? [];
          for (let seat = before; seat < data.ticketsSold; seat++) seen[seat] = at;
          shown.set(data.eventId, Math.max(before, data.ticketsSold));
        },
        onError: (error) => console.error('analytics.live failed', error),
      },
    );
    await sleep(500);

    let issued = 0;
    let inFlight = 0;
    let failed = 0;
    const book = (n: number) => {
      const eventId = eventIds[n % eventIds.length] ?? '';
      const client = bookers[n % bookers.length];
      inFlight += 1;
      client?.bookings.create
        .mutate({ eventId, quantity: 1 })
        .then((booking) => {
          const at = epochNow();
          answered.get(eventId)?.push(at);
          answeredBooking.set(booking.id, at);
        })
        .catch(() => {
          failed += 1;
        })
        .finally(() => {
          inFlight -= 1;
        });
    };
    const load = uptimeLoad();
    const elu = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      const due = Math.floor((rate * (performance.now() - started)) / 1000);
      while (issued < due && inFlight < MAX_IN_FLIGHT) book(issued++);
      await sleep(5);
    }
    const elapsed = (performance.now() - started) / 1000;
    const busy = performance.eventLoopUtilization(elu).utilization;
    const used = process.cpuUsage(cpu);
    while (inFlight > 0) await sleep(10);
    const total = [...answered.values()].reduce((n, a) => n + a.length, 0);
    const deadline = performance.now() + 60_000;
    while (performance.now() < deadline) {
      const visible = [...shown.values()].reduce((n, s) => n + s, 0);
      if (visible >= total) break;
      await sleep(20);
    }
    subscription.unsubscribe();
    // Freshness as before: the n-th answer of an event against the n-th seat the stream showed
    // (a seat shown before its answer came back counts 0).
    const freshness: number[] = [];
    for (const [eventId, answers] of answered) {
      const seen = received.get(eventId) ?? [];
      answers.sort((a, b) => a - b);
      answers.forEach((answer, seat) => {
        const at = seen[seat];
        if (at !== undefined) freshness.push(Math.max(0, at - answer));
      });
    }
    const sorted = [...freshness].sort((a, b) => a - b);
    console.log(
      `\nanalytics freshness: booking answered -> analytics.live shows its seat ` +
        `(${database.label}; ${app.platform.redis === 'redis' ? 'Redis' : 'in-process'} queue and pub/sub; ` +
        `${FRESHNESS_EVENTS} events, target ${rate} bookings/s for ${seconds} s; load average ` +
        `${load} before, ${uptimeLoad()} after; this process: event loop ${Math.round(busy * 100)}% busy, ` +
        `${Math.round((used.user + used.system) / 10_000 / elapsed)}% of a core)`,
    );
    console.table([
      {
        'bookings/s': Math.round(total / elapsed),
        bookings: total,
        failed,
        'live updates': updates,
        measured: sorted.length,
        'p50 ms': round(percentile(sorted, 50)),
        'p90 ms': round(percentile(sorted, 90)),
        'p99 ms': round(percentile(sorted, 99)),
        'max ms': round(sorted.at(-1) ?? Number.NaN),
      },
    ]);
    const traces = await traceBookings(database.handle.db, stages, answeredBooking, received);
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

async function benchQueryLatency(seconds: number): Promise<void> {
  const sizes = (process.env.BENCH_ANALYTICS_SIZES ?? '10000,1000000')
    .split(',')
    .map(Number)
    .sort((a, b) => a - b);
  const eventCount = Number(process.env.BENCH_ANALYTICS_EVENTS ?? 1000);
  const database = await openBenchDatabase();
  const db = database.handle.db;
  const app = await startAnalyticsApp(database.handle, false);
  try {
    const admin = await adminPrincipal(app);
    const eventIds = await seedAnalyticsEvents(db, admin.userId, eventCount);
    await seedAnalyticsUsers(db, 1000);
    const today = new Date().toISOString().slice(0, 10);
    const monthAgo = new Date(Date.now() - 29 * DAY_MS).toISOString().slice(0, 10);
    const firstStart = new Date(Date.now() + DAY_MS);
    const queries: Array<[string, string, unknown]> = [
      ['overview', 'analytics.overview', {}],
      [
        'overview, a week of events',
        'analytics.overview',
        {
          from: firstStart.toISOString(),
          to: new Date(firstStart.getTime() + 7 * DAY_MS).toISOString(),
        },
      ],
      ['event (7 days hourly)', 'analytics.event', { eventId: eventIds[0] }],
      ['daily, 30 days', 'analytics.daily', { from: monthAgo, to: today }],
      ['topEvents by revenue', 'analytics.topEvents', { by: 'revenue', limit: 10 }],
    ];
    const results = new Map<number, LoadResult[]>();
    let seeded = 0;
    for (const size of sizes) {
      const seeding = performance.now();
      await seedAnalyticsBookings(db, seeded, size);
      seeded = size;
      const seedMs = performance.now() - seeding;
      const rebuilding = performance.now();
      const rebuilt = await rebuildAnalytics({
        db,
        pubsub: app.platform.pubsub,
        log: pino({ level: 'silent' }),
        now: () => new Date(),
      });
      console.log(
        `\n${size.toLocaleString('en')} bookings over ${eventCount} events: seeded in ` +
          `${Math.round(seedMs)} ms, read models rebuilt in ${Math.round(performance.now() - rebuilding)} ms ` +
          `(${rebuilt.seriesRows.toLocaleString('en')} series rows)`,
      );
      const rows: LoadResult[] = [];
      for (const [name, procedure, input] of queries) {
        const url = `${app.url}${trpcPath(procedure, input)}`;
        const options = {
          seconds,
          connections: 10,
          headers: { authorization: `Bearer ${app.adminToken}` },
        };
        await load('warm-up', url, { ...options, seconds: 1 });
        rows.push(await load(name, url, options));
      }
      results.set(size, rows);
    }
    const [small, large] = [sizes[0] ?? 0, sizes.at(-1) ?? 0];
    const smallRows = results.get(small) ?? [];
    const largeRows = results.get(large) ?? [];
    console.log(
      `\nanalytics query latency through the server, ${small.toLocaleString('en')} vs ` +
        `${large.toLocaleString('en')} bookings (${database.label}; 10 connections)`,
    );
    console.table(
      smallRows.map((s, i) => {
        const l = largeRows[i];
        return {
          query: s.name,
          [`p50 ms @${small}`]: s.p50Ms,
          [`p50 ms @${large}`]: l?.p50Ms,
          [`p99 ms @${small}`]: s.p99Ms,
          [`p99 ms @${large}`]: l?.p99Ms,
          'p50 ratio': l ? (l.p50Ms / Math.max(s.p50Ms, 0.01)).toFixed(2) : '-',
          [`req/s @${large}`]: l?.requestsPerSecond,
          errors: s.errors + s.non2xx + (l ? l.errors + l.non2xx : 0),
        };
      }),
    );
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
  if (parts.includes('freshness')) await benchFreshness(seconds);
  if (parts.includes('queries')) await benchQueryLatency(seconds);
}
