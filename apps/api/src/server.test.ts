import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DbHandle } from '@evently/db';
import { deferred } from '@evently/platform/testing';
import { createEventlyClient, TRPCClientError } from '@evently/sdk';
import helmet from 'helmet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { captureLog } from '../test/capture-log.js';
import { createMemoryDb, embeddedServices } from '../test/embedded-server.js';
import { AppError } from './kernel/app-error.js';
import { appRouter } from './router.js';
import { type ApiServer, createServer } from './server.js';
import { publicProcedure, router } from './trpc/procedures.js';

// `probe.held` waits for the test (the shutdown test's request in flight).
const heldEntered = deferred<void>();
const heldRelease = deferred<void>();
const slowEntered = deferred<void>();

// Procedures that fail on purpose, mounted beside the real router.
const probeRouter = router({
  probe: router({
    soldOut: publicProcedure.mutation(() => {
      throw new AppError('SOLD_OUT', 'No seats left', { available: 0 });
    }),
    crash: publicProcedure.query(() => {
      const error = new Error('relation "secret_table" does not exist: SELECT password FROM users');
      throw error;
    }),
    redisDown: publicProcedure.query(() => {
      throw Object.assign(
        new Error('connect ECONNREFUSED 127.0.0.1:6379 (redis://:hunter2@cache)'),
        {
          code: 'ECONNREFUSED',
        },
      );
    }),
    echo: publicProcedure
      .input(z.object({ n: z.number().int().min(1) }))
      .query(({ input }) => input.n),
    held: publicProcedure.query(async () => {
      heldEntered.resolve();
      await heldRelease.promise;
      return 'released';
    }),
    slow: publicProcedure.query(async () => {
      slowEntered.resolve();
      await new Promise((resolve) => setTimeout(resolve, 300));
      return 'finished';
    }),
    whoami: publicProcedure.query(({ ctx }) => ({ ip: ctx.ip, requestId: ctx.requestId })),
    ticks: publicProcedure.subscription(async function* () {
      for (let i = 1; i <= 3; i++) {
        yield i;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }),
  }),
});
const METRICS_TOKEN = 'server-test-metrics-token-0123456789';
const testRouter = router({ ...appRouter._def.record, ...probeRouter._def.record });

// The server's concerns need no database content: an embedded, in-memory one is enough here.
let db: DbHandle;
beforeAll(async () => {
  db = await createMemoryDb();
});
afterAll(async () => db?.close());

const services = (version: string) => embeddedServices(db, version, captureLog().log);

describe('API server', () => {
  const captured = captureLog();
  let server: ApiServer;
  let url: string;
  let readyDown = false;

  beforeAll(async () => {
    server = await createServer({
      config: {
        host: '127.0.0.1',
        port: 0,
        corsOrigins: ['https://app.example.com'],
        trustProxy: false,
        metrics: { kind: 'token', token: METRICS_TOKEN },
      },
      log: captured.log,
      services: await services('9.9.9'),
      checks: [
        { name: 'database', check: async () => {} },
        {
          name: 'redis',
          check: async () => {
            if (readyDown) throw new Error('connect ECONNREFUSED redis://:hunter2@127.0.0.1:1');
          },
        },
      ],
      devMailbox: undefined,
      router: testRouter,
    });
    url = await server.start();
  });
  afterAll(async () => server?.stop());

  it('answers typed calls through the SDK', async () => {
    const client = createEventlyClient({ url });
    const info = await client.system.info.query();
    expect(info).toMatchObject({ name: 'evently-api', version: '9.9.9', mode: 'embedded' });
  });

  it('serves /health, /info and /health/ready naming a failing dependency without its error text', async () => {
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${url}/info`)).json()).toMatchObject({
      mode: 'embedded',
      version: '9.9.9',
    });
    const ok = await fetch(`${url}/health/ready`);
    expect(ok.status).toBe(200);
    readyDown = true;
    try {
      const down = await fetch(`${url}/health/ready`);
      expect(down.status).toBe(503);
      const body = await down.text();
      expect(JSON.parse(body)).toMatchObject({ status: 'unavailable', failing: ['redis'] });
      expect(body).not.toContain('hunter2');
    } finally {
      readyDown = false;
    }
  });

  it('honours a sane X-Request-Id, replaces an unsafe one, and logs it on the request lines', async () => {
    const given = await fetch(`${url}/health`, { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    for (const unsafe of ['has spaces "and" quotes', 'x'.repeat(200)]) {
      const forged = await fetch(`${url}/health`, { headers: { 'x-request-id': unsafe } });
      expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const none = await fetch(`${url}/health`);
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const lines = captured.lines().filter((l) => l.requestId === 'abc-123');
    expect(lines.map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
  });

  it('maps a domain error to its tRPC code with data.appCode and details', async () => {
    const res = await fetch(`${url}/trpc/probe.soldOut`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(409);
    const body = (await res.json()) as {
      error: { message: string; data: Record<string, unknown> };
    };
    expect(body.error.message).toBe('No seats left');
    expect(body.error.data).toMatchObject({
      appCode: 'SOLD_OUT',
      code: 'CONFLICT',
      details: { available: 0 },
    });
  });

  it('hides unexpected errors: no stack, no SQL, whatever NODE_ENV says', async () => {
    const res = await fetch(`${url}/trpc/probe.crash`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toMatch(/secret_table|password|stack|at .*\.ts/);
    expect(JSON.parse(text).error).toMatchObject({
      message: 'Internal server error',
      data: { appCode: 'INTERNAL', code: 'INTERNAL_SERVER_ERROR' },
    });
    // The server log keeps the cause for operators, tagged with the request id.
    const logged = captured.lines().find((l) => l.msg === 'procedure failed');
    expect(logged).toMatchObject({ path: 'probe.crash' });
    expect(typeof logged?.requestId).toBe('string');
  });

  it('answers SERVICE_UNAVAILABLE (503) when a dependency is unreachable, without its details', async () => {
    const res = await fetch(`${url}/trpc/probe.redisDown`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).not.toMatch(/hunter2|6379|ECONNREFUSED/);
    expect(JSON.parse(text).error.data.appCode).toBe('SERVICE_UNAVAILABLE');
  });

  it('answers bad input with VALIDATION_FAILED and the zod issues', async () => {
    const client = createEventlyClient({ url });
    const error = await (
      client as unknown as { probe: { echo: { query(i: unknown): Promise<number> } } }
    ).probe.echo
      .query({ n: 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    const data = (error as TRPCClientError<typeof appRouter>).data as Record<string, unknown>;
    expect(data).toMatchObject({ appCode: 'VALIDATION_FAILED', httpStatus: 400 });
    expect(data.zodIssues).toEqual([expect.objectContaining({ path: ['n'] })]);
  });

  it('answers an unknown procedure with NOT_FOUND', async () => {
    const res = await fetch(`${url}/trpc/nope.nothing`);
    expect(res.status).toBe(404);
    expect(
      ((await res.json()) as { error: { data: { appCode: string } } }).error.data.appCode,
    ).toBe('NOT_FOUND');
  });

  it('sends a JSON answer whole (Content-Length), and still streams subscriptions', async () => {
    const single = await fetch(`${url}/trpc/probe.echo?input=${encodeURIComponent('{"n":7}')}`);
    expect(single.headers.get('content-length')).toBe(`${'{"result":{"data":7}}'.length}`);
    expect(single.headers.get('transfer-encoding')).toBeNull();
    expect(await single.text()).toBe('{"result":{"data":7}}');
    const failed = await fetch(`${url}/trpc/probe.soldOut`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(failed.status).toBe(409);
    expect(Number(failed.headers.get('content-length'))).toBeGreaterThan(0);

    const stream = await fetch(`${url}/trpc/probe.ticks`);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('content-length')).toBeNull();
    const text = await stream.text();
    expect([...text.matchAll(/^data: (\d+)$/gm)].map((m) => m[1])).toEqual(['1', '2', '3']);
  });

  it('accepts a batch of 50 calls and refuses 51', async () => {
    const batch = (n: number) =>
      fetch(`${url}/trpc/${Array.from({ length: n }, () => 'system.info').join(',')}?batch=1`);
    const ok = await batch(50);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toHaveLength(50);
    const tooMany = await batch(51);
    expect(tooMany.status).toBe(400);
  });

  it('takes the client address from the socket, not from a forged X-Forwarded-For', async () => {
    const res = await fetch(`${url}/trpc/probe.whoami`, {
      headers: { 'x-forwarded-for': '6.6.6.6' },
    });
    expect(((await res.json()) as { result: { data: { ip: string } } }).result.data.ip).toBe(
      '127.0.0.1',
    );
  });

  it('exposes procedure durations by outcome and default metrics on /metrics', async () => {
    await fetch(`${url}/trpc/probe.soldOut`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const text = await (
      await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    ).text();
    expect(text).toMatch(
      /evently_procedure_duration_seconds_count\{procedure="system.info",type="query",outcome="ok"\} \d+/,
    );
    expect(text).toMatch(
      /evently_procedure_duration_seconds_count\{procedure="probe.soldOut",type="mutation",outcome="SOLD_OUT"\} \d+/,
    );
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('sends helmet headers and CORS only for configured origins', async () => {
    const allowed = await fetch(`${url}/health`, {
      headers: { origin: 'https://app.example.com' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('x-content-type-options')).toBe('nosniff');
    const other = await fetch(`${url}/health`, { headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends every header helmet sets when it runs on a request itself, on routes, calls and errors', async () => {
    // helmet as its own docs use it, per request on a plain node:http server: the reference.
    const secure = helmet({ contentSecurityPolicy: false });
    const reference = createHttpServer((req, res) => secure(req, res, () => res.end()));
    await new Promise<void>((resolve) => reference.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = reference.address() as AddressInfo;
      const expected = [...(await fetch(`http://127.0.0.1:${port}/`)).headers].filter(
        ([name]) => !['date', 'connection', 'keep-alive', 'content-length'].includes(name),
      );
      expect(expected.map(([name]) => name)).toContain('strict-transport-security');
      for (const path of ['/health', '/trpc/probe.echo?input=%7B%22n%22%3A1%7D', '/nowhere']) {
        const headers = (await fetch(`${url}${path}`)).headers;
        for (const [name, value] of expected) {
          expect({ path, name, value: headers.get(name) }).toEqual({ path, name, value });
        }
        expect(headers.get('x-powered-by')).toBeNull();
      }
    } finally {
      await new Promise((resolve) => reference.close(resolve));
    }
  });
});

describe('API server shutdown', () => {
  /** A server with the probe procedures, started on a free port. */
  async function startProbeServer() {
    const server = await createServer({
      config: { host: '127.0.0.1', port: 0, corsOrigins: [], trustProxy: false },
      log: captureLog().log,
      services: await services('1'),
      checks: [],
      router: testRouter,
    });
    return { server, url: await server.start() };
  }

  it('drains an in-flight request, then refuses new connections', async () => {
    const { server, url } = await startProbeServer();
    const inFlight = fetch(`${url}/trpc/probe.slow`);
    // In flight for sure (a fixed pause may not be enough on a loaded machine).
    await slowEntered.promise;
    const stopped = server.stop();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { result: { data: string } }).result.data).toBe('finished');
    await stopped;
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('answers a request that reaches it while draining with a typed 503', async () => {
    const { server, url } = await startProbeServer();
    const inFlight = fetch(`${url}/trpc/probe.held`);
    await heldEntered.promise;
    const stopped = server.stop();
    // A request that gets past the listener while the in-flight one drains (on a connection the
    // drain has not closed yet): injected, so it needs no socket race.
    const late = await server.app.inject({ method: 'GET', url: '/health' });
    heldRelease.resolve();
    expect((await inFlight).status).toBe(200);
    await stopped;
    expect(late.statusCode).toBe(503);
    expect(late.json()).toMatchObject({
      error: { data: { appCode: 'SERVICE_UNAVAILABLE', httpStatus: 503 } },
    });
  });
});
