import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { findFreePort } from '@evently/db/testing/free-port';

// What the cluster and Sentinel starters share: redis-cli, polling, and killing their servers.

const run = promisify(execFile);

/** redis-cli with `args`; its trimmed output. */
export async function redisCli(...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', args);
  return stdout.trim();
}

/** One redis-cli command against the server on `port`; its trimmed output. */
export function cli(port: number, ...args: string[]): Promise<string> {
  return redisCli('-p', String(port), ...args);
}

/** Polls every 200 ms; wall-clock limits are generous: the machine may be loaded. */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

export function isRunning(child: ChildProcess | undefined): boolean {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

export async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || !isRunning(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

export async function stopAll(children: Map<number, ChildProcess>, dir: string): Promise<void> {
  await Promise.all([...children.values()].map(killChild));
  await rm(dir, { recursive: true, force: true });
}

/**
 * Runs `start` on `count` ports that were free a moment ago, and again on fresh ones when a
 * server lost the race for one (test files starting servers side by side do race).
 */
export async function onFreePorts<T>(
  count: number,
  start: (ports: number[]) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await findFreePort());
    try {
      return await start(ports);
    } catch (error) {
      if (attempt >= 5 || !String(error).includes('Address already in use')) throw error;
    }
  }
}
