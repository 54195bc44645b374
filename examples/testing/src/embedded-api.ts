import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const STARTUP_TIMEOUT_MS = 90_000;

export interface EmbeddedApiOptions {
  /** Origins allowed by CORS (CORS_ORIGINS), e.g. a page served by Vite. */
  corsOrigins?: string[];
  /** More environment for the server (BOOKING_HOLD_MINUTES, STRIPE_*, …). */
  env?: Record<string, string>;
}

export interface EmbeddedApi {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  url: string;
  /** The admin account the server ensured from ADMIN_EMAIL / ADMIN_PASSWORD. */
  admin: { email: string; password: string };
  /** Stops the server (SIGTERM to its process group) and deletes its data directory. */
  stop(): Promise<void>;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`pnpm start exited (${child.exitCode ?? child.signalCode}):\n${output()}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`pnpm start did not answer /health in ${STARTUP_TIMEOUT_MS} ms:\n${output()}`);
}

/**
 * `pnpm start` from the repository root in embedded mode — what a reader of the examples' READMEs
 * runs: no DATABASE_URL/REDIS_URL/SMTP_URL, a fresh data directory, a free port, an admin.
 */
export async function startEmbeddedApi(options: EmbeddedApiOptions = {}): Promise<EmbeddedApi> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'evently-example-'));
  const admin = { email: 'admin@example.com', password: 'admin password for the examples' };
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Nothing from the caller's shell decides the mode: no external services, no Stripe (a test
  // that wants Stripe passes STRIPE_* in `options.env`).
  for (const name of [
    'DATABASE_URL',
    'REDIS_URL',
    'SMTP_URL',
    'JWT_SECRET',
    'STRIPE_SECRET_KEY',
    'STRIPE_WEBHOOK_SECRET',
    'STRIPE_API_URL',
  ])
    delete env[name];
  Object.assign(env, {
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    EVENTLY_DATA_DIR: dataDir,
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    CORS_ORIGINS: (options.corsOrigins ?? []).join(','),
    LOG_LEVEL: 'warn',
    ...options.env,
  });
  // Its own process group, so stopping it reaches pnpm's child node process too.
  const child = spawn('pnpm', ['start'], {
    cwd: REPO_ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit');

  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, name);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, admin, stop };
}
