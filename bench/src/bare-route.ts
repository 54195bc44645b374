import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runHttpBookingClients } from './booking-http-clients.js';
import { startCpuSampler } from './hot-event-cpu.js';

const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url));
const SERVER = fileURLToPath(new URL('./bare-booking-server.ts', import.meta.url));

export interface BareRouteRun {
  requestsPerSecond: number;
  /** CPU µs per request of the bare server, and of the load client. */
  serverUs: number;
  clientUs: number;
}

/**
 * The plain HTTP client of the booking cases, with the same number of users, against a bare
 * node:http route (bare-booking-server.ts) for `seconds`: what HTTP alone costs on this machine.
 */
export async function measureBareRoute(users: number, seconds: number): Promise<BareRouteRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    cwd: BENCH_DIR,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const lines = createInterface({ input: child.stdout });
    const [line] = (await once(lines, 'line')) as [string];
    const url = `http://127.0.0.1:${Number(line)}`;
    const pid = child.pid;
    if (pid === undefined) throw new Error('the bare route server did not start');
    let stop: (() => Promise<Record<string, number>>) | undefined;
    const run = await runHttpBookingClients({
      users: Array.from({ length: users }, () => ({ url, accessToken: 'bare' })),
      eventIds: ['00000000-0000-4000-8000-000000000000'],
      seconds,
      idempotencyKeys: true,
      onStart: async (driver) => {
        const sampler = await startCpuSampler([{ name: 'server', pids: () => [pid] }, driver]);
        stop = () => sampler.stop();
      },
    });
    const cpu = (await stop?.()) ?? {};
    const perRequest = (ms: number | undefined) => ((ms ?? 0) * 1_000) / Math.max(1, run.booked);
    return {
      requestsPerSecond: run.booked / seconds,
      serverUs: perRequest(cpu.server),
      clientUs: perRequest(cpu[driverName]),
    };
  } finally {
    child.kill();
  }
}

/** The name runHttpBookingClients gives the driver's CPU group. */
const driverName = 'bench client';
