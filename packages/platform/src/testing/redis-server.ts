import { type ChildProcess, spawn } from 'node:child_process';
import { findFreePort } from '@evently/db/testing/free-port';

/** A throwaway redis-server for fault tests: never touch the shared one on 6379. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** SIGKILL, like a crashed host: every key is lost (no persistence). */
  kill(): Promise<void>;
  /** Starts a fresh, empty server on the same port (kills the running one first). */
  restart(): Promise<void>;
}

const live = new Set<ChildProcess>();
// A crashed test run must not leave servers behind.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startRedisServer(): Promise<RedisServer> {
  const port = await findFreePort();
  let child = await spawnRedis(port);

  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  };

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    async restart() {
      await kill();
      child = await spawnRedis(port);
    },
  };
}

export interface SpawnOptions {
  /** Arguments after the usual ones (`--cluster-enabled yes`, `--sentinel`, …). */
  extraArgs?: string[];
  /** A config file, given first (a sentinel needs one it can rewrite). */
  configFile?: string;
  /** The log line that says it is ready (a sentinel never prints the server's). */
  readyLine?: string;
}

/** Starts redis-server on `port` (no persistence) and resolves once it is ready. */
export async function spawnRedis(port: number, options: SpawnOptions = {}): Promise<ChildProcess> {
  const { extraArgs = [], configFile, readyLine = 'Ready to accept connections' } = options;
  const child = spawn(
    'redis-server',
    [
      ...(configFile ? [configFile] : []),
      ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  live.add(child);
  child.once('exit', () => live.delete(child));

  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(readyLine)) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(
        new Error(`redis-server on port ${port} exited (${code}) before it was ready:\n${output}`),
      );
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', onExit);
    child.once('error', onError);
  });
  // Keep draining the pipes so a chatty server never blocks on a full buffer.
  child.stdout?.resume();
  return child;
}
