// The flash-sale bench of issue 5: N authenticated SDK clients book one seat at a time on one
// event with a huge capacity, against two API processes (Postgres + Redis), for a fixed time;
// then pgbench, on the same database and machine, writing one booking per transaction on a second
// event's inventory row with as many clients for as long. Also: the SDK clients spread over 100
// events, and (to tell the lock hand-over between processes apart) every client on one process.
// Order: warm-up, 100 events, one process, hot event, then the APIs stop and pgbench runs twice,
// so the hot event and pgbench run back to back. Needs DATABASE_URL (an admin URL: a throwaway
// database is made and dropped) and REDIS_URL (a key prefix of its own, deleted at the end).
import { mkdir } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createRedis } from '@evently/platform';
import { deleteKeysByPrefix } from '@evently/platform/testing';
import { sql } from 'kysely';
import { openBenchDatabase } from './bench-database.js';
import {
  type BatchSizes,
  checkInventory,
  measureBatchSizes,
  measureBatchTimeline,
} from './hot-event-checks.js';
import { type ClientRun, percentile, runBookingClients } from './hot-event-clients.js';
import { startApiCluster } from './hot-event-cluster.js';
import { type CpuGroup, startCpuSampler } from './hot-event-cpu.js';
import { type PgbenchRun, runPgbench } from './hot-event-pgbench.js';
import {
  mainThreadProfile,
  mergeSummaries,
  monotonicMicros,
  type ProfileSummary,
  summariseProfile,
} from './hot-event-profile.js';
import {
  BENCH_CAPACITY,
  publishFreeEvents,
  signedInClient,
  signInUsers,
} from './hot-event-setup.js';

const SPREAD_EVENTS = 100;

interface Row {
  case: string;
  bookingsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: string;
  check: string;
  load: string;
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));
const loadNow = () => loadavg()[0]?.toFixed(2) ?? '?';

function clientRow(name: string, run: ClientRun, check: string, load: string): Row {
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

function pgbenchRow(name: string, run: PgbenchRun, check: string, load: string): Row {
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

function batchRow(name: string, b: BatchSizes, seconds: number) {
  return {
    case: name,
    'transactions/s': round(b.transactions / seconds),
    'mean batch': round(b.mean),
    'p50 batch': b.p50,
    'p90 batch': b.p90,
    'max batch': b.max,
    'single-booking txns': `${Math.round(b.singles * 100)}%`,
  };
}

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

    const hotCheck = await checkInventory(db, [hot]);
    const singleCheck = await checkInventory(db, [hotSingle]);
    const spreadCheck = await checkInventory(db, spread);
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

    // pgbench needs `clients` connections of its own: the APIs' pools go first.
    await cluster.stop();
    const profilePaths: string[] = [];
    for (const api of apis) {
      const path = api.profileDir && (await mainThreadProfile(api.profileDir, api.pid));
      if (path) profilePaths.push(path);
    }
    const profileWindows = [
      { name: '1 hot event', from: hotFrom, to: hotTo, bookings: hotRun.booked },
      {
        name: `${SPREAD_EVENTS} events`,
        from: spreadFrom,
        to: spreadTo,
        bookings: spreadRun.booked,
      },
    ];
    const profiles: ((typeof profileWindows)[number] & ProfileSummary)[] = [];
    for (const w of profileWindows) {
      if (profilePaths.length === 0) break;
      const summaries = await Promise.all(
        profilePaths.map((p) => summariseProfile(p, w.from, w.to)),
      );
      profiles.push({ ...w, ...mergeSummaries(summaries) });
    }
    const pgbenchCpu: Record<string, Record<string, number>> = {};
    const pgbench = async (
      eventId: string,
      script: 'one-booking' | 'same-rows',
      label: string,
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
      pgbenchCpu[label] = (await stopSampler?.()) ?? {};
      return { run, load };
    };
    const one = await pgbench(pgOne, 'one-booking', 'one');
    const same = await pgbench(pgSame, 'same-rows', 'same');
    // Context, not the target's baseline: 64 backends queueing on one row lock cost Postgres CPU
    // of their own, so the per-booking ceiling is also measured with few clients.
    const fewClients = Math.min(8, clients);
    const few = await pgbench(pgFew, 'one-booking', 'few', fewClients);
    const oneCheck = await checkInventory(db, [pgOne]);
    const sameCheck = await checkInventory(db, [pgSame]);
    const fewCheck = await checkInventory(db, [pgFew]);

    // Oversell: the counters never pass capacity, and they equal the confirmed rows; for the
    // SDK runs, those rows are exactly the bookings the clients were told they got.
    const told = (...runs: ClientRun[]) => runs.reduce((n, r) => n + r.bookedTotal, 0);
    const verdict = (
      c: typeof hotCheck,
      expected: number | undefined,
      eventsPerBooking: number,
    ) => {
      const ok =
        c.confirmed + c.held <= c.capacity &&
        c.confirmed === c.confirmedBookings &&
        c.held === 0 &&
        (expected === undefined || c.confirmedBookings === expected) &&
        (eventsPerBooking === 0 || c.outboxEvents === c.confirmedBookings * eventsPerBooking);
      return `${ok ? 'ok' : 'FAILED'}: ${c.confirmed} sold = ${c.confirmedBookings} rows${
        expected === undefined ? '' : ` = ${expected} answered`
      }, ${c.outboxEvents} outbox, ${c.auditEntries} audit`;
    };
    const rows: Row[] = [
      clientRow(
        `Evently, 1 hot event (SDK, 2 API processes)`,
        hotRun,
        verdict(hotCheck, told(warmUp, hotRun), 2),
        hotLoad,
      ),
      pgbenchRow(
        'pgbench, 1 booking per transaction',
        one.run,
        verdict(oneCheck, one.run.transactions, 1),
        one.load,
      ),
      pgbenchRow(
        'pgbench, same rows as Evently',
        same.run,
        verdict(sameCheck, same.run.transactions, 2),
        same.load,
      ),
      pgbenchRow(
        `pgbench, 1 booking per transaction, ${fewClients} clients (context)`,
        few.run,
        verdict(fewCheck, few.run.transactions, 1),
        few.load,
      ),
      clientRow(
        'Evently, 1 hot event, all clients on 1 API process',
        singleRun,
        verdict(singleCheck, told(singleRun), 2),
        singleLoad,
      ),
      clientRow(
        `Evently, ${SPREAD_EVENTS} events at once`,
        spreadRun,
        verdict(spreadCheck, told(spreadRun) + spreadWarmUp.bookedTotal, 2),
        spreadLoad,
      ),
    ];

    console.log(
      `\nHot event: ${clients} clients, ${seconds} s each, free events of capacity ${BENCH_CAPACITY.toLocaleString('en')}, maxPerBooking 1 (${database.label})`,
    );
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
    const ratio = (rows[0]?.bookingsPerSecond ?? 0) / (rows[1]?.bookingsPerSecond ?? 1);
    const sameRatio = (rows[0]?.bookingsPerSecond ?? 0) / (rows[2]?.bookingsPerSecond ?? 1);
    console.log(
      `Evently / pgbench (1 booking per transaction): ${ratio.toFixed(2)} (target >= 2: ${
        ratio >= 2 ? 'met' : 'NOT met'
      }); Evently / pgbench (same rows): ${sameRatio.toFixed(2)}; Evently / pgbench with ${fewClients} clients: ${(
        (rows[0]?.bookingsPerSecond ?? 0) / (rows[3]?.bookingsPerSecond ?? 1)
      ).toFixed(2)}`,
    );

    console.log('\nAllocator transactions in the timed windows (bookings grouped by created_at)');
    console.table([
      batchRow('1 hot event', hotBatches, seconds),
      batchRow('1 hot event, 1 API process', singleBatches, seconds),
      batchRow(`${SPREAD_EVENTS} events`, spreadBatches, seconds),
    ]);

    console.log(
      "Allocator cycle: mean ms from a batch's BEGIN to its outbox insert, then to the next batch's BEGIN (rest of the transaction, COMMIT, lock release and hand-over)",
    );
    console.table([
      {
        case: '1 hot event',
        'BEGIN -> outbox ms': round(hotTimeline.inTransactionMs),
        'outbox -> next BEGIN ms': round(hotTimeline.betweenMs),
      },
      {
        case: '1 hot event, 1 API process',
        'BEGIN -> outbox ms': round(singleTimeline.inTransactionMs),
        'outbox -> next BEGIN ms': round(singleTimeline.betweenMs),
      },
    ]);

    // Per group: CPU µs per booking; then what the whole machine did in the window (others'
    // test suites included: "other" is busy time none of the bench's processes used).
    const cpuRow = (cpu: Record<string, number>, bookings: number) => {
      const row: Record<string, number | string> = {};
      let ours = 0;
      for (const [name, ms] of Object.entries(cpu)) {
        if (name.startsWith('machine')) continue;
        ours += ms;
        row[`${name} µs`] = bookings ? Math.round((ms * 1_000) / bookings) : '-';
      }
      row['bench CPU s'] = round(ours / 1_000);
      row['other CPU s'] = round(((cpu['machine busy'] ?? 0) - ours) / 1_000);
      row['idle s'] = round((cpu['machine idle'] ?? 0) / 1_000);
      return row;
    };
    console.log(
      `\nCPU per booking by process group (µs), and the machine's ${availableParallelism() * seconds} core-seconds in each window`,
    );
    console.table({
      'Evently, 1 hot event': cpuRow(hotCpu, hotRun.booked),
      'Evently, 1 API process': cpuRow(singleCpu, singleRun.booked),
      [`Evently, ${SPREAD_EVENTS} events`]: cpuRow(spreadCpu, spreadRun.booked),
      'pgbench, 1 booking/txn': cpuRow(pgbenchCpu.one ?? {}, one.run.transactions),
      'pgbench, same rows': cpuRow(pgbenchCpu.same ?? {}, same.run.transactions),
      [`pgbench, ${fewClients} clients`]: cpuRow(pgbenchCpu.few ?? {}, few.run.transactions),
    });
    if (profiles.length > 0) {
      // Both API processes' main threads, sampled by V8 (node --cpu-prof), per booking served.
      const perBooking = (us: number, bookings: number) => Math.round(us / Math.max(1, bookings));
      const categories = [...(profiles[0]?.byCategory ?? [])]
        .sort((a, b) => b[1] - a[1])
        .map(([c]) => c);
      console.log(
        `\nAPI CPU by where the code lives, µs per booking (both processes' CPU profiles: ${profilePaths.join(', ')})`,
      );
      console.table(
        categories.map((category) =>
          Object.fromEntries([
            ['where', category],
            ...profiles.map((p) => [
              p.name,
              perBooking(p.byCategory.get(category) ?? 0, p.bookings),
            ]),
          ]),
        ),
      );
      for (const p of profiles) {
        console.log(`Top functions (self time), ${p.name}, µs per booking`);
        console.table(
          [...p.byFunction]
            .sort((a, b) => b[1].us - a[1].us)
            .slice(0, 15)
            .map(([fn, { category, us }]) => ({
              function: fn,
              where: category,
              'µs/booking': perBooking(us, p.bookings),
            })),
        );
      }
    }
  } finally {
    await cluster?.stop();
    if (cluster) await deleteKeysByPrefix(redis, cluster.redisKeyPrefix);
    redis.disconnect();
    await database.close();
  }
}
