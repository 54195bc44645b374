// The flash-sale bench of issue 5: N authenticated SDK clients book one seat at a time on one
// event with a huge capacity, against two API processes (Postgres + Redis), for a fixed time;
// then pgbench, on the same database and machine, writing one booking per transaction on a second
// event's inventory row with as many clients for as long. Also: the SDK clients spread over 100
// events, and (to tell the lock hand-over between processes apart) every client on one process.
// Order: warm-up, 100 events, one process, hot event, then the APIs stop and pgbench runs twice,
// so the hot event and pgbench run back to back. Needs DATABASE_URL (an admin URL: a throwaway
// database is made and dropped) and REDIS_URL (a key prefix of its own, deleted at the end).
import { mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createRedis } from '@evently/platform';
import { deleteKeysByPrefix } from '@evently/platform/testing';
import { sql } from 'kysely';
import { openBenchDatabase } from './bench-database.js';
import { checkInventory, measureBatchSizes, measureBatchTimeline } from './hot-event-checks.js';
import { runBookingClients } from './hot-event-clients.js';
import { startApiCluster } from './hot-event-cluster.js';
import { type CpuGroup, startCpuSampler } from './hot-event-cpu.js';
import { type PgbenchScript, runPgbench } from './hot-event-pgbench.js';
import {
  mainThreadProfile,
  mergeSummaries,
  monotonicMicros,
  type ProfileSummary,
  summariseProfile,
} from './hot-event-profile.js';
import {
  clientRow,
  oversellVerdict,
  pgbenchRow,
  printBatches,
  printCpu,
  printProfiles,
  printResults,
} from './hot-event-report.js';
import {
  BENCH_CAPACITY,
  publishFreeEvents,
  signedInClient,
  signInUsers,
} from './hot-event-setup.js';

const SPREAD_EVENTS = 100;
const loadNow = () => loadavg()[0]?.toFixed(2) ?? '?';

export async function benchHotEvent(): Promise<void> {
  const seconds = Number(process.env.BENCH_HOT_SECONDS ?? 20);
  const clients = Number(process.env.BENCH_HOT_CLIENTS ?? 64);
  const warmUpSeconds = Number(process.env.BENCH_HOT_WARMUP_SECONDS ?? 3);
  const redisUrl = process.env.REDIS_URL;
  if (!process.env.DATABASE_URL || !redisUrl) {
    console.log('\nhot-event: skipped (needs DATABASE_URL and REDIS_URL: two API processes)');
    return;
  }
  const database = await openBenchDatabase();
  const databaseUrl = database.url;
  const db = database.handle.db;
  const redis = createRedis(redisUrl, 'command');
  let cluster: Awaited<ReturnType<typeof startApiCluster>> | undefined;
  try {
    if (!databaseUrl) throw new Error('hot-event needs a Postgres database');
    // The API processes run from the repository root: hand them an absolute directory.
    const profileDir = process.env.BENCH_PROFILE_DIR && resolve(process.env.BENCH_PROFILE_DIR);
    if (profileDir) await mkdir(profileDir, { recursive: true });
    cluster = await startApiCluster({ databaseUrl, redisUrl, count: 2, profileDir });
    const apis = cluster.apis;
    const { users, organizer } = await signInUsers(
      db,
      apis.map((a) => a.url),
      clients,
    );
    const titles = [
      'Hot event',
      'Hot event, one API process',
      'pgbench: one booking per transaction',
      'pgbench: same rows',
      'pgbench: one booking per transaction, few clients',
    ];
    for (let i = 1; i <= SPREAD_EVENTS; i++) titles.push(`Spread event ${i}`);
    const [hot = '', hotSingle = '', pgOne = '', pgSame = '', pgFew = '', ...spread] =
      await publishFreeEvents(organizer, titles);

    const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1] ?? 0);
    const groups: CpuGroup[] = [
      ...apis.map((api, i) => ({ name: `API process ${i + 1}`, pids: () => [api.pid] })),
      { name: 'bench client (SDK)', pids: () => [process.pid] },
      {
        name: 'Postgres backends',
        pids: async () =>
          (
            await sql<{ pid: number }>`
              SELECT pid FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(db)
          ).rows.map((r) => r.pid),
      },
      // Shared with whatever else uses this Redis; only the bench writes much meanwhile.
      { name: 'Redis server', pids: () => (redisPid ? [redisPid] : []) },
    ];

    // Untimed: JIT of both APIs, their pools and the client's sockets.
    const warmUp = await runBookingClients(users, warmUpSeconds, () => hot);
    const spreadWarmUp = await runBookingClients(users, 1, () => spread[0] ?? '');

    const pick = () => spread[Math.floor(Math.random() * spread.length)] ?? '';
    const spreadLoad = loadNow();
    let sampler = await startCpuSampler(groups);
    const spreadFrom = monotonicMicros();
    const spreadRun = await runBookingClients(users, seconds, pick);
    const spreadTo = monotonicMicros();
    const spreadCpu = await sampler.stop();

    // Diagnosis: every client on the first process, so no lock hand-over between processes.
    const firstUrl = apis[0]?.url ?? '';
    const onFirst = users.map((u) => ({
      ...u,
      url: firstUrl,
      client: signedInClient(firstUrl, u.accessToken),
    }));
    const singleLoad = loadNow();
    sampler = await startCpuSampler(groups);
    const singleRun = await runBookingClients(onFirst, seconds, () => hotSingle);
    const singleCpu = await sampler.stop();

    const hotLoad = loadNow();
    sampler = await startCpuSampler(groups);
    const hotFrom = monotonicMicros();
    const hotRun = await runBookingClients(users, seconds, () => hot);
    const hotTo = monotonicMicros();
    const hotCpu = await sampler.stop();

    const hotBatches = await measureBatchSizes(db, [hot], hotRun.startedAt, hotRun.endedAt);
    const hotTimeline = await measureBatchTimeline(db, hot, hotRun.startedAt, hotRun.endedAt);
    const singleBatches = await measureBatchSizes(
      db,
      [hotSingle],
      singleRun.startedAt,
      singleRun.endedAt,
    );
    const singleTimeline = await measureBatchTimeline(
      db,
      hotSingle,
      singleRun.startedAt,
      singleRun.endedAt,
    );
    const spreadBatches = await measureBatchSizes(
      db,
      spread,
      spreadRun.startedAt,
      spreadRun.endedAt,
    );
    const evently = [
      {
        name: 'Evently, 1 hot event (SDK, 2 API processes)',
        run: hotRun,
        check: await checkInventory(db, [hot]),
        answered: warmUp.bookedTotal + hotRun.bookedTotal,
        load: hotLoad,
      },
      {
        name: 'Evently, 1 hot event, all clients on 1 API process',
        run: singleRun,
        check: await checkInventory(db, [hotSingle]),
        answered: singleRun.bookedTotal,
        load: singleLoad,
      },
      {
        name: `Evently, ${SPREAD_EVENTS} events at once`,
        run: spreadRun,
        check: await checkInventory(db, spread),
        answered: spreadWarmUp.bookedTotal + spreadRun.bookedTotal,
        load: spreadLoad,
      },
    ];

    // pgbench needs `clients` connections of its own: the APIs' pools go first.
    await cluster.stop();
    const profilePaths: string[] = [];
    for (const api of apis) {
      const path = api.profileDir && (await mainThreadProfile(api.profileDir, api.pid));
      if (path) profilePaths.push(path);
    }
    const profiles: (ProfileSummary & { name: string; bookings: number })[] = [];
    for (const w of [
      { name: '1 hot event', from: hotFrom, to: hotTo, bookings: hotRun.booked },
      {
        name: `${SPREAD_EVENTS} events`,
        from: spreadFrom,
        to: spreadTo,
        bookings: spreadRun.booked,
      },
    ]) {
      if (profilePaths.length === 0) break;
      const summaries = await Promise.all(
        profilePaths.map((p) => summariseProfile(p, w.from, w.to)),
      );
      profiles.push({ name: w.name, bookings: w.bookings, ...mergeSummaries(summaries) });
    }

    const pgbench = async (
      name: string,
      eventId: string,
      script: PgbenchScript,
      pgClients = clients,
    ) => {
      let stopSampler: (() => Promise<Record<string, number>>) | undefined;
      const load = loadNow();
      const run = await runPgbench({
        databaseUrl,
        eventId,
        clients: pgClients,
        seconds,
        script,
        async onStart(group) {
          const s = await startCpuSampler([
            group,
            ...groups.filter((g) => !g.name.startsWith('API')),
          ]);
          stopSampler = () => s.stop();
        },
      });
      const cpu = (await stopSampler?.()) ?? {};
      const check = await checkInventory(db, [eventId]);
      const outboxPerBooking = script === 'one-booking' ? 1 : 2;
      return { name, run, cpu, load, check, outboxPerBooking };
    };
    const one = await pgbench('pgbench, 1 booking per transaction', pgOne, 'one-booking');
    const same = await pgbench('pgbench, same rows as Evently', pgSame, 'same-rows');
    // Context, not the target's baseline: 64 backends queueing on one row lock cost Postgres CPU
    // of their own, so the per-booking ceiling is also measured with few clients.
    const fewClients = Math.min(8, clients);
    const few = await pgbench(
      `pgbench, 1 booking per transaction, ${fewClients} clients (context)`,
      pgFew,
      'one-booking',
      fewClients,
    );

    const [hotCase, singleCase, spreadCase] = evently;
    const eventlyRow = (e: (typeof evently)[number]) =>
      clientRow(e.name, e.run, oversellVerdict(e.check, e.answered, 2), e.load);
    const pgbenchRowOf = (p: typeof one) =>
      pgbenchRow(
        p.name,
        p.run,
        oversellVerdict(p.check, p.run.transactions, p.outboxPerBooking),
        p.load,
      );
    const rows = [
      ...(hotCase ? [eventlyRow(hotCase)] : []),
      pgbenchRowOf(one),
      pgbenchRowOf(same),
      pgbenchRowOf(few),
      ...[singleCase, spreadCase].flatMap((e) => (e ? [eventlyRow(e)] : [])),
    ];
    printResults(
      `Hot event: ${clients} clients, ${seconds} s each, free events of capacity ${BENCH_CAPACITY.toLocaleString('en')}, maxPerBooking 1 (${database.label})`,
      rows,
    );
    const hotRate = hotRun.booked / seconds;
    const ratio = (p: typeof one) => (hotRate / p.run.tps).toFixed(2);
    console.log(
      `Evently / pgbench (1 booking per transaction): ${ratio(one)} (target >= 2: ${
        hotRate / one.run.tps >= 2 ? 'met' : 'NOT met'
      }); Evently / pgbench (same rows): ${ratio(same)}; Evently / pgbench with ${fewClients} clients: ${ratio(few)}`,
    );

    printBatches(
      [
        { name: '1 hot event', sizes: hotBatches, timeline: hotTimeline },
        { name: '1 hot event, 1 API process', sizes: singleBatches, timeline: singleTimeline },
        { name: `${SPREAD_EVENTS} events`, sizes: spreadBatches },
      ],
      seconds,
    );
    printCpu(
      [
        { name: 'Evently, 1 hot event', cpu: hotCpu, bookings: hotRun.booked },
        { name: 'Evently, 1 API process', cpu: singleCpu, bookings: singleRun.booked },
        { name: `Evently, ${SPREAD_EVENTS} events`, cpu: spreadCpu, bookings: spreadRun.booked },
        { name: 'pgbench, 1 booking/txn', cpu: one.cpu, bookings: one.run.transactions },
        { name: 'pgbench, same rows', cpu: same.cpu, bookings: same.run.transactions },
        { name: `pgbench, ${fewClients} clients`, cpu: few.cpu, bookings: few.run.transactions },
      ],
      seconds,
    );
    if (profiles.length > 0) printProfiles(profiles, profilePaths);
  } finally {
    await cluster?.stop();
    if (cluster) await deleteKeysByPrefix(redis, cluster.redisKeyPrefix);
    redis.disconnect();
    await database.close();
  }
}
