// What authentication costs a call: the same no-op procedure with and without authedProcedure
// (JWT verify + session state from the cache port), side by side in one run on one server; and
// what a login costs (argon2id verify + a session insert).
import { appRouter, authedProcedure, createServer, publicProcedure, router } from '@evently/api';
import { pino } from 'pino';
import { createBenchServices } from './bench-services.js';
import { type LoadResult, load, printTable } from './load.js';

const PASSWORD = 'bench password 0123456789';
/** Accounts the login case rotates through, so no email ever has two attempts in flight. */
const LOGIN_USERS = 64;
const LOGIN_CONNECTIONS = 16;

// A bench-only router beside the app's: two no-ops that differ only in authentication.
const benchRouter = router({
  ...appRouter._def.record,
  bench: router({
    noop: publicProcedure.query(() => ({ ok: true as const })),
    authedNoop: authedProcedure.query(() => ({ ok: true as const })),
  }),
});

export async function benchAuth(seconds: number): Promise<void> {
  const infra = await createBenchServices();
  const { auth } = infra.services;
  const emails = Array.from({ length: LOGIN_USERS }, (_, i) => `bench-${i}@example.com`);
  // ensureAdmin creates a verified account with a password in one call; the role does not
  // change what a login or an authenticated call costs.
  for (const email of emails) await auth.ensureAdmin({ email, password: PASSWORD });

  const api = await createServer({
    // Loopback is a trusted proxy, so the login case can give every request its own client
    // address (X-Forwarded-For) and stay under the per-IP login limit.
    config: { host: '127.0.0.1', port: 0, corsOrigins: [], trustProxy: ['127.0.0.1'] },
    log: pino({ level: 'silent' }),
    services: infra.services,
    checks: [],
    router: benchRouter,
  });
  const url = await api.start();
  const signedIn = await auth.login(
    { email: emails[0] ?? '', password: PASSWORD },
    { ip: '127.0.0.1', userAgent: 'bench' },
  );
  const bearer = { authorization: `Bearer ${signedIn.accessToken}` };

  let logins = 0;
  const loginRequest = {
    method: 'POST' as const,
    path: '/trpc/auth.login',
    setupRequest: (request: object) => {
      logins += 1;
      return {
        ...request,
        headers: {
          'content-type': 'application/json',
          'x-forwarded-for': `10.${(logins >> 16) & 255}.${(logins >> 8) & 255}.${logins & 255}`,
        },
        body: JSON.stringify({ email: emails[logins % emails.length], password: PASSWORD }),
      };
    },
  };

  try {
    // Untimed warm-up of both paths, so neither case pays the JIT for the other.
    await load('warm-up', `${url}/trpc/bench.noop`, { seconds: 1 });
    await load('warm-up', `${url}/trpc/bench.authedNoop`, { seconds: 1, headers: bearer });
    const rows: LoadResult[] = [
      await load('tRPC no-op (public)', `${url}/trpc/bench.noop`, { seconds }),
      await load('tRPC no-op (authed)', `${url}/trpc/bench.authedNoop`, {
        seconds,
        headers: bearer,
      }),
      await load('auth.me (authed + 1 DB read)', `${url}/trpc/auth.me`, {
        seconds,
        headers: bearer,
      }),
      await load(`auth.login (${LOGIN_CONNECTIONS} connections)`, `${url}/trpc/auth.login`, {
        seconds,
        connections: LOGIN_CONNECTIONS,
        requests: [loginRequest],
      }),
    ];
    printTable(
      `Authentication cost (session cache and rate limits: ${infra.backend}; database: PGlite in memory)`,
      rows,
      'tRPC no-op (public)',
    );
  } finally {
    await api.stop();
    await infra.close();
  }
}
