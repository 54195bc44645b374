import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '@evently/platform/testing';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const API_NODE_FLAGS = ['--max-semi-space-size=64'];

/** A node process the bench spawned. */
export interface BenchProcess {
  pid: number;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
}

export interface ApiProcess extends BenchProcess {
  url: string;
  /** The directory its V8 CPU profiles go to when it exits (with `profileDir`). */
  profileDir?: string;
}

export interface ApiCluster {
  apis: ApiProcess[];
  /** `pnpm start:worker` processes on the same database and Redis prefix (`workers` of them). */
  workers: BenchProcess[];
  /** Every Redis key of the cluster starts with this (REDIS_PREFIX plus its separator). */
  redisKeyPrefix: string;
  /** The processes' TICKET_SIGNING_KEY (PKCS#8 PEM), for a bench that signs codes as they do. */
  ticketSigningKey: string;
  stop(): Promise<void>;
  /**
   * After `stop`, new processes (new ports and pids in `apis`) with the same JWT secret, database
   * and Redis prefix: tokens signed in before still hold.
   */
  start(): Promise<void>;
}

/** Whether a spawned process still runs, and how to stop it: SIGTERM, then SIGKILL after 10 s. */
function watch(child: ChildProcess): { alive(): boolean; stop(): Promise<void> } {
  const exited = once(child, 'exit');
  let alive = true;
  void exited.then(() => {
    alive = false;
  });
  return {
    alive: () => alive,
    async stop() {
      if (!alive) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * `pnpm start:api` as an operator runs it (production layout: Postgres + Redis), but spawned as
 * the one node process the script execs, so its pid is the server's own (for CPU accounting)
 * and signals reach it directly.
 */
async function startApi(env: Record<string, string>, nodeFlags: string[]): Promise<ApiProcess> {
  const port = await findFreePort();
  const child: ChildProcess = spawn(
    process.execPath,
    // The flags of `pnpm start:api` (package.json), then the bench's own.
    [...API_NODE_FLAGS, ...nodeFlags, '--import', 'tsx', 'apps/api/src/main.ts', '--role=api'],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        ...env,
        PORT: `${port}`,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4_000);
  });
  const watched = watch(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!watched.alive()) throw new Error(`API process exited during start-up:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`API process did not become ready in 60 s:\n${stderr}`);
    }
    const ready = await fetch(`${url}/health/ready`).catch(() => undefined);
    if (ready?.ok) break;
    await sleep(200);
  }
  if (child.pid === undefined) throw new Error('API process has no pid');
  const profileDir = nodeFlags.find((f) => f.startsWith('--cpu-prof-dir='))?.slice(15);
  return {
    url,
    pid: child.pid,
    ...(profileDir && { profileDir }),
    stop: watched.stop,
  };
}

/**
 * `pnpm start:worker` as an operator runs it, spawned as its one node process; ready when it logs
 * that it runs (its runtime has subscribed to every queue by then).
 */
async function startWorker(env: Record<string, string>): Promise<BenchProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'apps/worker/src/main.ts'],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        ...env,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  let ready = false;
  const append = (d: Buffer) => {
    output = (output + d.toString()).slice(-4_000);
    if (output.includes('Evently worker running')) ready = true;
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const watched = watch(child);
  const deadline = Date.now() + 60_000;
  while (!ready) {
    if (!watched.alive()) throw new Error(`worker process exited during start-up:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`worker process did not start in 60 s:\n${output}`);
    }
    await sleep(100);
  }
  // Its info lines are not read from here on; drop them rather than let the pipe fill.
  child.stdout?.removeAllListeners('data');
  child.stdout?.resume();
  if (child.pid === undefined) throw new Error('worker process has no pid');
  return { pid: child.pid, stop: watched.stop };
}

/**
 * API processes on one database and one Redis key prefix of their own; with `profileDir`, each
 * runs under `node --cpu-prof` and writes its profile there when it stops.
 */
export async function startApiCluster(options: {
  databaseUrl: string;
  redisUrl: string;
  count: number;
  /** Worker processes beside them (default none: the API processes enqueue, nothing consumes). */
  workers?: number;
  profileDir?: string | undefined;
}): Promise<ApiCluster> {
  const prefix = `bench-hot-${randomBytes(4).toString('hex')}`;
  // A run's own key (production requires one).
  const ticketSigningKey = generateKeyPairSync('ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const env = {
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(48).toString('base64url'),
    TICKET_SIGNING_KEY: ticketSigningKey,
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: prefix,
    // Every bench user logs in from its own X-Forwarded-For address: no per-IP login limit.
    TRUST_PROXY: 'true',
    LOG_LEVEL: 'warn',
  };
  // One after the other: both would run the (no-op) migrations at once otherwise.
  async function startAll(): Promise<Pick<ApiCluster, 'apis' | 'workers'>> {
    const started: Pick<ApiCluster, 'apis' | 'workers'> = { apis: [], workers: [] };
    try {
      for (let i = 0; i < options.count; i++) {
        const flags = options.profileDir
          ? // A directory per process, default file names: tsx's loader thread writes one too.
            ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}/${prefix}-api-${i + 1}`]
          : [];
        started.apis.push(await startApi(env, flags));
      }
      for (let i = 0; i < (options.workers ?? 0); i++) started.workers.push(await startWorker(env));
    } catch (error) {
      await Promise.all([...started.apis, ...started.workers].map((p) => p.stop()));
      throw error;
    }
    return started;
  }
  let running = true;
  const cluster: ApiCluster = {
    ...(await startAll()),
    redisKeyPrefix: `${prefix}:`,
    ticketSigningKey,
    async stop() {
      running = false;
      await Promise.all([...cluster.apis, ...cluster.workers].map((p) => p.stop()));
    },
    async start() {
      if (running) return;
      Object.assign(cluster, await startAll());
      running = true;
    },
  };
  return cluster;
}
