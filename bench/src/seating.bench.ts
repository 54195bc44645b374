// The seated flash sale (issue 17): a 10,000-seat arena sold out by 2,000 buyers at once over two
// API processes (Postgres + Redis), each buyer looping over best-available parties of 1–4 seats
// (most asking to sit together; told SEATS_NOT_TOGETHER, a party shrinks or splits) until told
// SOLD_OUT with no seat left (seated-buyer.ts) — once through a plain keep-alive HTTP client in a
// process of its own, once through the SDK, each on an arena of its own. Every sale is checked in
// SQL (seating-checks.ts: no seat twice, parties together, counters exact, sold to the last seat,
// the books are what buyers were told); a failed check fails `pnpm bench` (its exit code).
// Against it, in the same run on the same database: raw SQL's seat claim, alf.io's design
// (seating-sql.ts: one transaction a booking taking free seats FOR UPDATE SKIP LOCKED), by pgbench
// at several client counts, each selling a hall of the same size; the ratio is against its best
// count. The APIs stop while pgbench runs (it needs the connections), as in the hot-event bench.
// BENCH_SEATING_SEATS (10000, a multiple of 40), BENCH_SEATING_CLIENTS (2000 buyers),
// BENCH_SEATING_PGBENCH_CLIENTS (1,2,4,8,16,64), BENCH_SEATING_WARMUP_SEATS (2000: a smaller
// sale through each client first, checked, not reported; 0 for none), BENCH_SEATING_ROUNDS (1).
import { createRedis } from '@evently/platform';
import { deleteKeysByPrefix } from '@evently/platform/testing';
import { openBenchDatabase } from './bench-database.js';
import { numbers } from './bench-settings.js';
import { startApiCluster } from './hot-event-cluster.js';
import { type BenchUser, signedInClient, signInUsers } from './hot-event-setup.js';
import { BUYER_DEFAULTS, type SaleRun } from './seated-buyer.js';
import { checkArena } from './seating-checks.js';
import {
  eventlyRow,
  loadNow,
  printSales,
  printSeatingRatios,
  type SaleRow,
  sqlRow,
} from './seating-report.js';
import { runHttpSale, runSdkSale } from './seating-sale.js';
import { type Arena, publishArena } from './seating-setup.js';
import { checkSqlHall, createHall, runSqlSale } from './seating-sql.js';

function settings() {
  const env = process.env;
  return {
    seats: Number(env.BENCH_SEATING_SEATS ?? 10_000),
    buyers: Number(env.BENCH_SEATING_CLIENTS ?? 2_000),
    pgbenchClients: numbers(env.BENCH_SEATING_PGBENCH_CLIENTS ?? '1,2,4,8,16,64'),
    warmUpSeats: Number(env.BENCH_SEATING_WARMUP_SEATS ?? 2_000),
    rounds: Number(env.BENCH_SEATING_ROUNDS ?? 1),
  };
}

type EventlySide = 'Evently (HTTP)' | 'Evently (SDK)';

export async function benchSeating(): Promise<void> {
  const s = settings();
  const redisUrl = process.env.REDIS_URL;
  if (!process.env.DATABASE_URL || !redisUrl) {
    console.log('\nseating: skipped (needs DATABASE_URL and REDIS_URL: two API processes)');
    return;
  }
  // pgbench's client n books as bench user n + 1.
  const users = Math.max(s.buyers, ...s.pgbenchClients);
  const database = await openBenchDatabase(4);
  const databaseUrl = database.url ?? '';
  const db = database.handle.db;
  const redis = createRedis(redisUrl, 'command');
  let cluster: Awaited<ReturnType<typeof startApiCluster>> | undefined;
  const rows: SaleRow[] = [];
  const failed: string[] = [];
  try {
    cluster = await startApiCluster({ databaseUrl, redisUrl, count: 2 });
    const signedIn = await signInUsers(
      db,
      cluster.apis.map((a) => a.url),
      users,
    );
    const { organizer } = signedIn;
    const arena = (title: string, seats: number, seated = true) =>
      publishArena(organizer, { title, seats, maxPerBooking: BUYER_DEFAULTS.maxGroup, seated });
    const warmUps: Arena[] = [];
    if (s.warmUpSeats > 0) {
      for (const side of ['HTTP', 'SDK'])
        warmUps.push(await arena(`Warm-up, ${side}`, s.warmUpSeats));
    }
    const rounds: { http: Arena; sdk: Arena; sql: Map<number, Arena> }[] = [];
    for (let round = 1; round <= s.rounds; round++) {
      const http = await arena(`Evently arena (HTTP), round ${round}`, s.seats);
      const sdk = await arena(`Evently arena (SDK), round ${round}`, s.seats);
      const sql = new Map<number, Arena>();
      for (const clients of s.pgbenchClients) {
        sql.set(
          clients,
          await arena(`raw SQL, ${clients} clients, round ${round}`, s.seats, false),
        );
      }
      rounds.push({ http, sdk, sql });
    }

    const sell = async (side: EventlySide, target: Arena, buyers: BenchUser[]): Promise<SaleRun> =>
      side === 'Evently (HTTP)'
        ? runHttpSale(buyers, target, BUYER_DEFAULTS)
        : runSdkSale(buyers, target, BUYER_DEFAULTS);
    for (const [r, round] of rounds.entries()) {
      await cluster.start();
      const apis = cluster.apis;
      const buyers = signedIn.users.slice(0, s.buyers).map((u, i) => {
        const url = apis[i % apis.length]?.url ?? '';
        return { ...u, url, client: signedInClient(url, u.accessToken) };
      });
      if (r === 0) {
        // Untimed but checked: JIT of both APIs and their pools, the clients' sockets.
        for (const [i, side] of (['Evently (HTTP)', 'Evently (SDK)'] as const).entries()) {
          const target = warmUps[i];
          if (!target) continue;
          const check = await checkArena(db, target, await sell(side, target, buyers));
          console.log(`seating warm-up, ${side}: ${check.verdict}`);
          if (!check.ok) failed.push(`warm-up ${side}: ${check.verdict}`);
        }
      }
      // Alternating which goes first, so neither always has the earlier slot.
      const sides: EventlySide[] =
        r % 2 === 0 ? ['Evently (HTTP)', 'Evently (SDK)'] : ['Evently (SDK)', 'Evently (HTTP)'];
      for (const side of sides) {
        const target = side === 'Evently (HTTP)' ? round.http : round.sdk;
        const load = loadNow();
        const run = await sell(side, target, buyers);
        const check = await checkArena(db, target, run);
        rows.push(eventlyRow({ round: r + 1, side, clients: buyers.length, load }, run, check));
        if (!check.ok) failed.push(`round ${r + 1}, ${side}: ${check.verdict}`);
      }
      // pgbench needs the connections the API processes' pools hold.
      await cluster.stop();
      for (const [clients, target] of round.sql) {
        const hall = await createHall(db, s.seats);
        const load = loadNow();
        const sale = await runSqlSale({
          db,
          databaseUrl,
          hall,
          eventId: target.eventId,
          seats: s.seats,
          clients,
          maxGroup: BUYER_DEFAULTS.maxGroup,
        });
        const check = await checkSqlHall(db, hall, target.eventId);
        rows.push(sqlRow({ round: r + 1, clients, load }, sale, check));
        if (!check.ok) failed.push(`round ${r + 1}, raw SQL ${clients}: ${check.verdict}`);
      }
    }

    printSales(
      `Seated flash sale: ${s.seats.toLocaleString('en')}-seat arena (sections of 25 rows of 40), free, best-available parties of 1–${BUYER_DEFAULTS.maxGroup} (${BUYER_DEFAULTS.togetherShare * 100} % asking together) until sold out; Evently: ${s.buyers.toLocaleString('en')} buyers over 2 API processes; raw SQL: pgbench, alf.io's claim (FOR UPDATE SKIP LOCKED), at ${s.pgbenchClients.join('/')} clients (${database.label})`,
      rows,
    );
    printSeatingRatios(rows);
  } finally {
    await cluster?.stop();
    if (cluster) await deleteKeysByPrefix(redis, cluster.redisKeyPrefix);
    redis.disconnect();
    await database.close();
  }
  if (failed.length > 0) {
    // The benches after this one still run; `pnpm bench` fails.
    console.error(`\nseating: CHECKS FAILED\n${failed.join('\n')}`);
    process.exitCode = 1;
  }
}
