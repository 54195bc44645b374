import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createDb } from '@evently/db';
import { sql } from 'kysely';
import { PGBENCH } from './hot-event-pgbench.js';

/**
 * A second CPU-heavy process for "degrades gracefully" (issue 13, target 5): pgbench's built-in
 * read-only script (-S: one primary-key SELECT on pgbench_accounts per transaction) on a small
 * database of its own (scale 1: 100,000 accounts), with a few clients, as long as it is on. Its
 * backends and pgbench itself compete for the same cores as whatever is being measured.
 */
export interface BackgroundLoad {
  /** What runs, for the report. */
  label: string;
  /** Starts the load (no-op when on). */
  start(): Promise<void>;
  /** Stops the load (no-op when off). */
  stop(): Promise<void>;
  /** Stops it and drops its database. */
  close(): Promise<void>;
}

async function runToEnd(args: string[]): Promise<void> {
  const child = spawn(PGBENCH, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4_000);
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`pgbench ${args[0]} exited with ${code}:\n${stderr}`);
}

/** `BENCH_BACKGROUND=pgbench-ro`: `clients` connections (BENCH_BACKGROUND_CLIENTS, 4). */
export async function openBackgroundLoad(
  adminUrl: string,
  clients: number,
): Promise<BackgroundLoad> {
  const name = `evently_bench_bg_${randomBytes(4).toString('hex')}`;
  const server = await createDb({ databaseUrl: adminUrl, poolSize: 1 });
  await sql`CREATE DATABASE ${sql.id(name)}`.execute(server.db);
  const target = new URL(adminUrl);
  target.pathname = `/${name}`;
  const url = target.toString();
  await runToEnd(['-i', '-q', '-s', '1', url]);
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> | undefined;

  async function stop(): Promise<void> {
    if (!child) return;
    child.kill('SIGTERM');
    await exited;
    child = undefined;
  }
  return {
    label: `pgbench -S -M prepared -c ${clients} -j 1 on its own database (scale 1)`,
    async start() {
      if (child) return;
      // -T far beyond any case: it runs until stopped.
      child = spawn(
        PGBENCH,
        ['-n', '-S', '-M', 'prepared', '-c', `${clients}`, '-j', '1', '-T', '86400', url],
        { stdio: 'ignore' },
      );
      exited = once(child, 'exit');
      // Its connections are up before the measured case starts.
      await new Promise((r) => setTimeout(r, 1_000));
    },
    stop,
    async close() {
      await stop();
      await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(server.db);
      await server.close();
    },
  };
}
