import { randomUUID } from 'node:crypto';
import type { Database } from '@evently/db';
import { findFreePort } from '@evently/platform/testing';
import { createEventlyClient, type EventlyClient } from '@evently/sdk';
import { hash } from '@node-rs/argon2';
import type { Kysely } from 'kysely';
import { type Spawned, spawnWith, waitForHttp } from './processes.js';
import { TEST_TICKET_SIGNING_KEY } from './ticket-key.js';

const JWT_SECRET = 'api-cluster-test-secret-that-is-long-enough-0123';
const PASSWORD = 'api cluster test password';
/** Far above what any call takes: a call still open by then counts as unanswered. */
const REQUEST_TIMEOUT_MS = 30_000;

/** One `pnpm start:api` process of the cluster. */
export interface ApiProcess {
  name: string;
  url: string;
  proc: Spawned;
}

/** A signed-in caller with a client address of its own (TRUST_PROXY trusts loopback). */
export interface Caller {
  userId: string;
  token: string;
  ip: string;
}

export interface ApiCluster {
  apis: ApiProcess[];
  /**
   * Verified accounts straight into the database (one argon2 hash for all), each signed in over
   * HTTP through the processes in turn.
   */
  signIn(count: number, role: 'user' | 'organizer'): Promise<Caller[]>;
  /** SIGKILLs every process (and its children) and waits for them to exit. */
  stop(): Promise<void>;
}

/** Aborts a call nobody answered in time, so a hang shows up as an answer of its own. */
const timedFetch: typeof fetch = (input, init) => {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  return fetch(input, {
    ...init,
    signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout,
  });
};

/** One client per call site: every call is an HTTP request of its own, none batched with another. */
export function clientOf(api: ApiProcess, caller: Pick<Caller, 'token' | 'ip'>): EventlyClient {
  return createEventlyClient({
    url: api.url,
    fetch: timedFetch,
    headers: () => ({ authorization: `Bearer ${caller.token}`, 'x-forwarded-for': caller.ip }),
  });
}

/**
 * The production layout of the API: `names.length` processes (`pnpm start:api`) on one Postgres
 * database and one Redis key prefix, as behind a load balancer, each ready before this returns.
 * The caller owns the database and Redis (and their cleanup); `stop()` ends the processes.
 */
export async function startApiCluster(options: {
  database: { url: string; db: Kysely<Database> };
  redisUrl: string;
  /** One prefix for all: they share the event locks, the queue and the caches. */
  redisPrefix: string;
  names?: string[];
  logLevel?: 'error' | 'warn' | 'info';
  /** More variables for every process (ADMIN_EMAIL, say). */
  env?: Record<string, string>;
}): Promise<ApiCluster> {
  const names = options.names ?? ['A', 'B'];
  // In the order of `names`, whatever order they become ready in.
  const apis: ApiProcess[] = [];
  // Every process ever spawned (a retried start's too), so each is killed.
  const spawned: Spawned[] = [];
  const stop = async () => {
    for (const proc of spawned) proc.kill('SIGKILL');
    await Promise.all(spawned.map((proc) => proc.exited));
  };

  async function startApi(name: string, index: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort();
      const proc = spawnWith('pnpm', ['start:api'], {
        NODE_ENV: 'production',
        JWT_SECRET,
        TICKET_SIGNING_KEY: TEST_TICKET_SIGNING_KEY,
        DATABASE_URL: options.database.url,
        REDIS_URL: options.redisUrl,
        REDIS_PREFIX: options.redisPrefix,
        TRUST_PROXY: '127.0.0.1',
        LOG_LEVEL: options.logLevel ?? 'warn',
        PORT: String(port),
        // Several files run side by side on one Postgres (max_connections 100).
        DATABASE_POOL_SIZE: '6',
        ...options.env,
      });
      // Known before it is ready, so a failed start is killed too.
      spawned.push(proc);
      try {
        const ready = await waitForHttp(`http://127.0.0.1:${port}/health/ready`, proc);
        if (ready.status !== 200) {
          throw new Error(`API ${name} is not ready (${ready.status}):\n${proc.stderr()}`);
        }
        apis[index] = { name, url: `http://127.0.0.1:${port}`, proc };
        return;
      } catch (error) {
        // The port was free a moment ago, but another file's server (a Redis Cluster's six
        // nodes and bus ports, say) took it before the API bound it: again on a fresh one.
        if (attempt >= 5 || !String(error).includes('EADDRINUSE')) throw error;
        proc.kill('SIGKILL');
        await proc.exited;
      }
    }
  }

  // Every start settles before a failure stops them all: none is spawned after the stop.
  const starts = await Promise.allSettled(names.map(startApi));
  const failed = starts.find(
    (start): start is PromiseRejectedResult => start.status === 'rejected',
  );
  if (failed) {
    await stop();
    throw failed.reason;
  }

  async function signIn(count: number, role: 'user' | 'organizer'): Promise<Caller[]> {
    const passwordHash = await hash(PASSWORD);
    const rows = Array.from({ length: count }, () => {
      const id = randomUUID();
      return {
        id,
        email: `${role}-${id}@example.com`,
        name: `${role} ${id.slice(0, 8)}`,
        role,
        password_hash: passwordHash,
        email_verified_at: new Date(),
        updated_at: new Date(),
      };
    });
    await options.database.db.insertInto('users').values(rows).execute();
    const signedIn: Caller[] = [];
    // A few at a time: each login is an argon2 verification on a 2-core machine.
    for (let i = 0; i < rows.length; i += 8) {
      const chunk = rows.slice(i, i + 8);
      signedIn.push(
        ...(await Promise.all(
          chunk.map(async (row, j) => {
            const n = i + j + 1;
            const ip = `10.${role === 'user' ? 1 : 2}.${n >> 8}.${n & 255}`;
            const api = apis[n % apis.length] as ApiProcess;
            const tokens = await createEventlyClient({
              url: api.url,
              headers: () => ({ 'x-forwarded-for': ip }),
            }).auth.login.mutate({ email: row.email, password: PASSWORD });
            return { userId: row.id, token: tokens.accessToken, ip };
          }),
        )),
      );
    }
    return signedIn;
  }

  return { apis, signIn, stop };
}
