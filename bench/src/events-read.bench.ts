// The events read path: events.list (first page, limit 20) and events.get through tRPC against a
// bare Fastify route returning the same JSON from memory, side by side in one run, with the
// layers in between taken apart; then events.list latency with 100,000 events in the table.
import { openBenchDatabase } from './bench-database.js';
import { createBenchServices } from './bench-services.js';
import { SEED_SPACING_MINUTES, seedEvents } from './events-seed.js';
import { type LoadResult, load, printTable } from './load.js';
import { type ReadPathCase, startReadPathServers, trpcPath } from './read-path-servers.js';

const EVENTS = 100_000;
const PAGE = 20;
/** Latency is read at a moderate load, where it is not just queueing behind 50 connections. */
const LATENCY_CONNECTIONS = 10;
const Q = 'jazz';

export async function benchEventsRead(seconds: number): Promise<void> {
  const database = await openBenchDatabase();
  const infra = await createBenchServices({ db: database.handle });
  const { services } = infra;
  let servers: Awaited<ReturnType<typeof startReadPathServers>> | undefined;
  try {
    const organizer = await services.auth.ensureAdmin({
      email: 'bench-organizer@example.com',
      password: 'bench password 0123456789',
    });
    const seeding = performance.now();
    const range = await seedEvents(database.handle.db, organizer.id, EVENTS);
    const events = EVENTS.toLocaleString('en');
    console.log(
      `\nSeeded ${events} published events on ${database.label} in ${Math.round(performance.now() - seeding)} ms`,
    );

    const listInput = { limit: PAGE };
    const first = (await services.events.list(null, listInput)).items[0];
    if (!first) throw new Error('nothing was seeded');
    servers = await startReadPathServers(services, { list: listInput, get: { id: first.id } });
    await servers.assertSameAnswers();
    const listCases = servers.cases('events.list');
    const getCases = servers.cases('events.get');

    // Untimed warm-up of every path, so none pays the JIT for another.
    for (const c of [...listCases, ...getCases]) await load('warm-up', c.url, { seconds: 1 });
    const run = async (cases: ReadPathCase[]) => {
      const rows: LoadResult[] = [];
      for (const c of cases) rows.push(await load(c.name, c.url, { seconds }));
      return rows;
    };
    const where = `${database.label}; cache: ${infra.backend}`;
    const baseline = listCases[0]?.name ?? '';
    printTable(
      `events.list, first page of ${PAGE}, ${events} events (${where}; 50 connections)`,
      await run(listCases),
      baseline,
    );
    printTable(`events.get (${where}; 50 connections)`, await run(getCases), baseline);

    // Latency through the Evently server. "Cached": the same page every time (read cache hit;
    // availability is still read live). "Uncached": a random `from` on every request, so each
    // one misses the cache and runs the list query.
    const middle = new Date((range.first + range.last) / 2).toISOString();
    const span = range.last - range.first - PAGE * SEED_SPACING_MINUTES * 60_000;
    const randomFrom = () => new Date(range.first + Math.floor(Math.random() * span)).toISOString();
    const listUrl = (input: object) => `${servers?.apiUrl}${trpcPath('events.list', input)}`;
    const fixed = (name: string, input: object) =>
      load(name, listUrl(input), { seconds, connections: LATENCY_CONNECTIONS });
    const varying = (name: string, input: () => object) =>
      load(name, listUrl(input()), {
        seconds,
        connections: LATENCY_CONNECTIONS,
        requests: [
          { setupRequest: (request) => ({ ...request, path: trpcPath('events.list', input()) }) },
        ],
      });
    const latencyRows = [
      await fixed('first page (cached)', listInput),
      await fixed(`q=${Q} (cached)`, { ...listInput, q: Q }),
      await fixed('from=<middle> (cached)', { ...listInput, from: middle }),
      await varying('from=<random> (uncached)', () => ({ ...listInput, from: randomFrom() })),
      await varying(`q=${Q} & from=<random> (uncached)`, () => ({
        ...listInput,
        q: Q,
        from: randomFrom(),
      })),
    ];
    printTable(
      `events.list through the Evently server, ${events} events (${where}; ${LATENCY_CONNECTIONS} connections)`,
      latencyRows,
      'first page (cached)',
    );
  } finally {
    await servers?.close();
    await infra.close();
    await database.close();
  }
}
