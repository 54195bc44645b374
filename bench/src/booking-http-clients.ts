import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { DriverJob, DriverResult } from './booking-http-driver.js';
import type { BookingOrder } from './booking-order.js';
import { startDriver } from './driver-process.js';
import type { ClientRun } from './hot-event-clients.js';
import type { CpuGroup } from './hot-event-cpu.js';
import type { BenchUser } from './hot-event-setup.js';

const DRIVER = fileURLToPath(new URL('./booking-http-driver.ts', import.meta.url));

/**
 * The users book on the events for `seconds` through a plain HTTP client in a process of its own
 * (booking-http-driver.ts). `onStart` receives that process as a CPU group once its window opens.
 */
export async function runHttpBookingClients(options: {
  users: Pick<BenchUser, 'url' | 'accessToken'>[];
  eventIds: string[];
  seconds: number;
  idempotencyKeys: boolean;
  /** Absent: one seat a call. */
  order?: BookingOrder | undefined;
  onStart?: (driver: CpuGroup) => void | Promise<void>;
}): Promise<ClientRun> {
  const { child, exited, stderr } = startDriver(DRIVER);
  const job: DriverJob = {
    users: options.users.map((u) => ({ url: u.url, accessToken: u.accessToken })),
    eventIds: options.eventIds,
    seconds: options.seconds,
    idempotencyKeys: options.idempotencyKeys,
    ...(options.order && { order: options.order }),
  };
  child.stdin.end(JSON.stringify(job));
  let result: DriverResult | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    const message = JSON.parse(line) as { type: string };
    if (message.type === 'start') {
      const pid = child.pid;
      if (pid !== undefined) await options.onStart?.({ name: 'bench client', pids: () => [pid] });
    } else if (message.type === 'result') {
      result = message as DriverResult;
    }
  }
  const [code] = (await exited) as [number | null];
  if (code !== 0 || !result) throw new Error(`HTTP driver exited with ${code}:\n${stderr()}`);
  const startedAt = new Date(result.startedAtMs);
  return {
    booked: result.booked,
    bookedTotal: result.bookedTotal,
    seconds: options.seconds,
    latenciesMs: Float64Array.from(result.latenciesMs).sort(),
    errors: result.errors,
    startedAt,
    endedAt: new Date(startedAt.getTime() + options.seconds * 1_000),
  };
}
