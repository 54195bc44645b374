// Where a read's CPU goes: the server-side CPU time per request of each layer of the read path
// (bare JSON, service, tRPC procedure via createCaller, tRPC Fastify adapter, Evently server).
// autocannon runs in a child process here, so this process's CPU time is the servers' alone —
// steadier on a shared machine than requests/s. BENCH_PROFILE_DIR=<dir> also writes a V8 CPU
// profile per case (open them in Chrome DevTools or speedscope). BENCH_BACKGROUND=pgbench-ro (with
// DATABASE_URL) then runs the bare route and the Evently server again beside a read-only pgbench
// and reports what each loses (issue 13, target 5, for the reads of target 3).
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { type BackgroundLoad, openBackgroundLoad } from './background-load.js';
import { openBenchDatabase } from './bench-database.js';
import { createBenchServices } from './bench-services.js';
import { loadFromChild } from './child-load.js';
import { seedEvents } from './events-seed.js';
import { type ReadProcedure, startReadPathServers } from './read-path-servers.js';

/** The cached read path does not depend on the table's size. */
const EVENTS = 1_000;

export async function benchReadPathCpu(seconds: number): Promise<void> {
  const database = await openBenchDatabase();
  const infra = await createBenchServices({ db: database.handle });
  const { services } = infra;
  let servers: Awaited<ReturnType<typeof startReadPathServers>> | undefined;
  const profileDir = process.env.BENCH_PROFILE_DIR;
  const session = profileDir ? new Session() : undefined;
  const adminUrl = process.env.DATABASE_URL;
  const wantsBackground = process.env.BENCH_BACKGROUND === 'pgbench-ro';
  if (wantsBackground && !adminUrl)
    throw new Error('BENCH_BACKGROUND=pgbench-ro needs DATABASE_URL');
  let background: BackgroundLoad | undefined;
  /** Quiet requests/s by procedure and case, for the background comparison. */
  const quiet = new Map<string, number>();
  try {
    const organizer = await services.auth.ensureAdmin({
      email: 'bench-organizer@example.com',
      password: 'bench password 0123456789',
    });
    await seedEvents(database.handle.db, organizer.id, EVENTS);
    const first = (await services.events.list(null, { limit: 20 })).items[0];
    if (!first) throw new Error('nothing was seeded');
    servers = await startReadPathServers(services, {
      list: { limit: 20 },
      get: { id: first.id },
    });
    await servers.assertSameAnswers();
    if (session && profileDir) {
      await mkdir(profileDir, { recursive: true });
      session.connect();
      await session.post('Profiler.enable');
    }

    for (const procedure of ['events.list', 'events.get'] as ReadProcedure[]) {
      const rows: Record<string, string | number>[] = [];
      let previous: number | undefined;
      let bare: number | undefined;
      for (const [i, c] of servers.cases(procedure).entries()) {
        await loadFromChild(c.url, 1); // untimed warm-up
        if (session) await session.post('Profiler.start');
        const before = process.cpuUsage();
        const result = await loadFromChild(c.url, seconds);
        const cpu = process.cpuUsage(before);
        if (session && profileDir) {
          const { profile } = await session.post('Profiler.stop');
          await writeFile(
            join(profileDir, `${procedure}-${i}.cpuprofile`),
            JSON.stringify(profile),
          );
        }
        const perRequest = (cpu.user + cpu.system) / Math.max(1, result.requests);
        const rate = result.requests / seconds;
        bare ??= rate;
        quiet.set(`${procedure} ${c.name}`, rate);
        rows.push({
          case: c.name,
          'req/s': Math.round(rate),
          '× bare': (rate / bare).toFixed(2),
          'CPU µs/req': Math.round(perRequest),
          '+µs vs row above': previous === undefined ? '-' : Math.round(perRequest - previous),
          errors: result.failures,
        });
        previous = perRequest;
      }
      console.log(
        `\n${procedure}: server CPU per request (${database.label}; cache: ${infra.backend}; load from a child process, 50 connections)`,
      );
      console.table(rows);
    }
    if (wantsBackground && adminUrl) {
      background = await openBackgroundLoad(
        adminUrl,
        Number(process.env.BENCH_BACKGROUND_CLIENTS ?? 4),
      );
      await background.start();
      const rows: Record<string, string | number>[] = [];
      for (const procedure of ['events.list', 'events.get'] as ReadProcedure[]) {
        const cases = servers.cases(procedure);
        // The bare route, and the Evently server as a plain GET and as the SDK's batch.
        let bareLoss: number | undefined;
        for (const c of [cases[0], ...cases.slice(4)]) {
          if (!c) continue;
          const result = await loadFromChild(c.url, seconds);
          const before = quiet.get(`${procedure} ${c.name}`) ?? 0;
          const loaded = result.requests / seconds;
          const loss = before > 0 ? 1 - loaded / before : 0;
          bareLoss ??= loss;
          rows.push({
            procedure,
            case: c.name,
            'quiet req/s': Math.round(before),
            'loaded req/s': Math.round(loaded),
            loss: `${Math.round(loss * 100)}%`,
            'vs bare': c === cases[0] ? '' : loss <= bareLoss ? 'loses no more' : 'loses more',
            errors: result.failures,
          });
        }
      }
      console.log(`\nWith a background load (${background.label}): what each side loses`);
      console.table(rows);
    }
  } finally {
    await background?.close();
    session?.disconnect();
    await servers?.close();
    await infra.close();
    await database.close();
  }
}
