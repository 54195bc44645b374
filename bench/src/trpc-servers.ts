// The same tRPC procedures served two ways without the Evently server's shell, to split what a
// call costs: tRPC's own procedure call (createCaller in a bare node:http handler) against the
// tRPC Fastify adapter on a bare Fastify (no helmet, CORS, request ids or logging).
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AppRouter, appRouter, MAX_BATCH_SIZE, type Services } from '@evently/api';
import type { inferRouterContext } from '@trpc/server';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify from 'fastify';
import { pino } from 'pino';

type Context = inferRouterContext<AppRouter>;
type Caller = ReturnType<typeof appRouter.createCaller>;

export interface BenchServer {
  url: string;
  close(): Promise<void>;
}

const log = pino({ level: 'silent' });
// The Evently server observes a prom-client histogram here; a no-op costs about a microsecond less.
const metrics = { observe() {} };

/** What the Evently server's createContext builds for an anonymous request. */
export function anonymousContext(services: Services): Context {
  return {
    requestId: randomUUID(),
    ip: '127.0.0.1',
    userAgent: 'bench',
    bearerToken: null,
    principal: null,
    log,
    metrics,
    services,
  };
}

/** The queries the caller server routes (GET /<path>?input=<JSON>, as tRPC's URLs). */
const queries: Record<string, (caller: Caller, input: unknown) => Promise<unknown>> = {
  'events.list': (caller, input) =>
    caller.events.list(input as Parameters<Caller['events']['list']>[0]),
  'events.get': (caller, input) =>
    caller.events.get(input as Parameters<Caller['events']['get']>[0]),
};

/** A bare node:http handler calling the procedure through `appRouter.createCaller`. */
export async function startCallerServer(services: Services): Promise<BenchServer> {
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://bench');
    const query = queries[url.pathname.slice(1)];
    if (!query) {
      res.writeHead(404).end();
      return;
    }
    const input: unknown = JSON.parse(url.searchParams.get('input') ?? 'null');
    query(appRouter.createCaller(anonymousContext(services)), input).then(
      (data) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ result: { data } }));
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(error) }));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** `@trpc/server/adapters/fastify` on a bare Fastify, the Evently server's tRPC options. */
export async function startAdapterServer(services: Services): Promise<BenchServer> {
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 5000 } });
  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      maxBatchSize: MAX_BATCH_SIZE,
      createContext: () => anonymousContext(services),
    },
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
}
