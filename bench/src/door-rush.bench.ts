// The door rush (issue 18): 20,000 tickets of a sold-out event redeemed at its doors by 50
// scanners at once, spread over 5 gates and two API processes (Postgres + Redis), each scanner
// working its share of the codes (`checkin.redeem`, entry, one call in flight) — once through a
// plain keep-alive HTTP client in a process of its own, once through the SDK, each on a check-in
// list of its own (a list is a door: the same tickets come in once on each). Mixed in, so that
// "zero double entries" is a check and not a given: 1 % of the tickets shown at a second gate at
// the same moment, 1 % of the scans retried with the same nonce at once over the other API
// process (door-rush-plan.ts). Every run is checked in SQL and against what the scanners were
// told (door-rush-checks.ts); a failed check fails `pnpm bench` (its exit code).
// Against it, in the same run on the same database: raw SQL's conditional insert of the entry
// (door-rush-sql.ts) playing the same scans by pgbench at several client counts; the ratio is
// against its best count. The APIs stop while pgbench runs (it needs the connections), as in the
// hot-event and seating benches.
// BENCH_DOOR_TICKETS (20000), BENCH_DOOR_SCANNERS (50), BENCH_DOOR_GATES (5),
// BENCH_DOOR_DUPLICATE_EVERY (100: one ticket in 100 at two gates, another retried; 0 for none),
// BENCH_DOOR_PGBENCH_CLIENTS (1,2,4,8,16,32,64), BENCH_DOOR_WARMUP_TICKETS (2000: a smaller rush
// through each client first, on lists of its own, checked, not reported; 0 for none),
// BENCH_DOOR_ROUNDS (1); BENCH_PROFILE_DIR: the API processes' V8 CPU profiles go there.
import { createRedis } from '@evently/platform';
import { deleteKeysByPrefix } from '@evently/platform/testing';
import { openBenchDatabase } from './bench-database.js';
import { numbers } from './bench-settings.js';
import { checkDoorRun, checkSqlDoor } from './door-rush-checks.js';
import type { DoorScanner } from './door-rush-http-driver.js';
import { type PlanOptions, planDoorRush, type ScannerPlan, summarize } from './door-rush-plan.js';
import {
  type DoorRow,
  eventlyDoorRow,
  printDoorRatios,
  printDoorRush,
  sqlDoorRow,
} from './door-rush-report.js';
import type { ScanRun } from './door-rush-scanner.js';
import { runHttpScans, runSdkScans } from './door-rush-scans.js';
import { makeStaff, seedDoorEvent } from './door-rush-setup.js';
import { loadSqlPlan, runSqlDoor } from './door-rush-sql.js';
import { startApiCluster } from './hot-event-cluster.js';
import { signedInClient, signInUsers } from './hot-event-setup.js';
import { loadNow } from './seating-report.js';

function settings() {
  const env = process.env;
  return {
    tickets: Number(env.BENCH_DOOR_TICKETS ?? 20_000),
    scanners: Number(env.BENCH_DOOR_SCANNERS ?? 50),
    gates: Number(env.BENCH_DOOR_GATES ?? 5),
    duplicateEvery: Number(env.BENCH_DOOR_DUPLICATE_EVERY ?? 100),
    pgbenchClients: numbers(env.BENCH_DOOR_PGBENCH_CLIENTS ?? '1,2,4,8,16,32,64'),
    warmUpTickets: Number(env.BENCH_DOOR_WARMUP_TICKETS ?? 2_000),
    rounds: Number(env.BENCH_DOOR_ROUNDS ?? 1),
  };
}

type EventlySide = 'Evently (HTTP)' | 'Evently (SDK)';
const SIDES: readonly EventlySide[] = ['Evently (HTTP)', 'Evently (SDK)'];

/** A rush to play: its plans, what they hold, and the tickets they let in. */
interface Rush {
  plans: ScannerPlan[];
  summary: ReturnType<typeof summarize>;
  ticketIds: string[];
}

export async function benchDoorRush(): Promise<void> {
  const s = settings();
  const redisUrl = process.env.REDIS_URL;
  if (!process.env.DATABASE_URL || !redisUrl) {
    console.log('\ndoor-rush: skipped (needs DATABASE_URL and REDIS_URL: two API processes)');
    return;
  }
  const database = await openBenchDatabase(4);
  const databaseUrl = database.url ?? '';
  const db = database.handle.db;
  const redis = createRedis(redisUrl, 'command');
  let cluster: Awaited<ReturnType<typeof startApiCluster>> | undefined;
  const rows: DoorRow[] = [];
  const failed: string[] = [];
  try {
    cluster = await startApiCluster({
      databaseUrl,
      redisUrl,
      count: 2,
      profileDir: process.env.BENCH_PROFILE_DIR,
    });
    const signedIn = await signInUsers(
      db,
      cluster.apis.map((a) => a.url),
      s.scanners,
    );
    const { organizer } = signedIn;
    const seedStarted = Date.now();
    const door = await seedDoorEvent(db, organizer, {
      tickets: s.tickets,
      signingKey: cluster.ticketSigningKey,
    });
    await makeStaff(
      db,
      door.organizationId,
      signedIn.users.map((u) => u.id),
    );
    console.log(
      `door-rush: ${door.tickets.length} tickets seeded and signed in ${((Date.now() - seedStarted) / 1_000).toFixed(1)} s`,
    );
    const options: PlanOptions = {
      scanners: s.scanners,
      gates: s.gates,
      duplicateEvery: s.duplicateEvery,
    };
    const rushOf = (tickets: typeof door.tickets): Rush => {
      const plans = planDoorRush(tickets, options);
      return { plans, summary: summarize(plans), ticketIds: tickets.map((t) => t.id) };
    };
    const rush = rushOf(door.tickets);
    const warmUp = s.warmUpTickets > 0 ? rushOf(door.tickets.slice(0, s.warmUpTickets)) : undefined;
    const list = async (name: string) =>
      (await organizer.checkin.lists.create.mutate({ eventId: door.eventId, name })).id;
    const warmUpLists = warmUp
      ? { http: await list('Warm-up, HTTP'), sdk: await list('Warm-up, SDK') }
      : undefined;
    const rounds: { http: string; sdk: string; sql: Map<number, string> }[] = [];
    for (let round = 1; round <= s.rounds; round++) {
      const sql = new Map<number, string>();
      for (const clients of s.pgbenchClients) {
        sql.set(clients, await list(`Raw SQL, ${clients} clients, round ${round}`));
      }
      rounds.push({
        http: await list(`Doors (HTTP), round ${round}`),
        sdk: await list(`Doors (SDK), round ${round}`),
        sql,
      });
    }
    const sqlScans = await loadSqlPlan(db, rush.plans);
    // Raw SQL's scans are a staff member's, as the API's are.
    const staffId = signedIn.users[0]?.id ?? '';

    for (const [r, round] of rounds.entries()) {
      await cluster.start();
      const urls = cluster.apis.map((a) => a.url);
      // Scanner i on API process i mod 2, its retries to the other one.
      const scanners: DoorScanner[] = signedIn.users.map((u, i) => ({
        url: urls[i % urls.length] ?? '',
        retryUrl: urls[(i + 1) % urls.length] ?? '',
        accessToken: u.accessToken,
      }));
      const sdkScanners = scanners.map((sc) => ({
        client: signedInClient(sc.url, sc.accessToken),
        retryClient: signedInClient(sc.retryUrl, sc.accessToken),
      }));
      const play = (side: EventlySide, listId: string, plans: ScannerPlan[]): Promise<ScanRun> =>
        side === 'Evently (HTTP)'
          ? runHttpScans({ listId, scanners, plans })
          : runSdkScans(sdkScanners, plans, listId);
      if (r === 0 && warmUp && warmUpLists) {
        // Untimed but checked: JIT of both APIs and their pools, the clients' sockets.
        for (const side of SIDES) {
          const listId = side === 'Evently (HTTP)' ? warmUpLists.http : warmUpLists.sdk;
          const run = await play(side, listId, warmUp.plans);
          const check = await checkDoorRun(db, listId, warmUp.ticketIds, warmUp.summary, run);
          console.log(`door-rush warm-up, ${side}: ${check.verdict}`);
          if (!check.ok) failed.push(`warm-up ${side}: ${check.verdict}`);
        }
      }
      // Alternating which goes first, so neither always has the earlier slot.
      for (const side of r % 2 === 0 ? SIDES : [...SIDES].reverse()) {
        const listId = side === 'Evently (HTTP)' ? round.http : round.sdk;
        const load = loadNow();
        const run = await play(side, listId, rush.plans);
        const check = await checkDoorRun(db, listId, rush.ticketIds, rush.summary, run);
        rows.push(
          eventlyDoorRow(
            { round: r + 1, side, clients: s.scanners, load },
            rush.summary,
            run,
            check,
          ),
        );
        if (!check.ok) failed.push(`round ${r + 1}, ${side}: ${check.verdict}`);
      }
      // pgbench needs the connections the API processes' pools hold.
      await cluster.stop();
      for (const [clients, listId] of round.sql) {
        const load = loadNow();
        const pg = await runSqlDoor({
          db,
          databaseUrl,
          eventId: door.eventId,
          listId,
          staffId,
          scans: sqlScans,
          clients,
        });
        const check = await checkSqlDoor(db, listId, rush.ticketIds, rush.summary);
        rows.push(sqlDoorRow({ round: r + 1, clients, load }, rush.summary, pg, check));
        if (!check.ok) failed.push(`round ${r + 1}, raw SQL ${clients}: ${check.verdict}`);
      }
    }

    const { summary } = rush;
    printDoorRush(
      `Door rush: ${summary.tickets.toLocaleString('en')} tickets redeemed (entry, a list without re-entry) by ${s.scanners} scanners over ${s.gates} gates and 2 API processes, ${summary.secondGate} also shown at a second gate at once and ${summary.retried} retried with the same nonce (${summary.requests.toLocaleString('en')} requests); raw SQL: the same scans by pgbench, the conditional insert, at ${s.pgbenchClients.join('/')} clients (${database.label})`,
      rows,
    );
    printDoorRatios(rows);
  } finally {
    await cluster?.stop();
    if (cluster) await deleteKeysByPrefix(redis, cluster.redisKeyPrefix);
    redis.disconnect();
    await database.close();
  }
  if (failed.length > 0) {
    // The benches after this one still run; `pnpm bench` fails.
    console.error(`\ndoor-rush: CHECKS FAILED\n${failed.join('\n')}`);
    process.exitCode = 1;
  }
}
