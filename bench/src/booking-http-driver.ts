// A plain HTTP load generator for bookings, run as a process of its own by booking-http-clients.ts
// (so its CPU is not the measuring process's): one keep-alive node:http socket per signed-in user,
// each POSTing `bookings.create` (one seat, or the job's order) the way tRPC v11 sends an
// unbatched mutation — POST /trpc/bookings.create, the input as the JSON body, the user's bearer —
// one call in flight per user, the next sent as soon as the last answers. Reads its job
// (DriverJob) as JSON on stdin; prints `{"type":"start"}` when the window opens and the
// DriverResult as the last line.
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { text } from 'node:stream/consumers';
import { type BookingOrder, bookingInput } from './booking-order.js';
import { type Answer, post } from './driver-process.js';

export interface DriverJob {
  users: { url: string; accessToken: string }[];
  eventIds: string[];
  seconds: number;
  /** Send an idempotency key per booking, as the SDK does (the server then stores a key row). */
  idempotencyKeys: boolean;
  /** Absent: `quantity: 1` (Part 1's call), answered confirmed. */
  order?: BookingOrder;
}

export interface DriverResult {
  type: 'result';
  booked: number;
  bookedTotal: number;
  latenciesMs: number[];
  errors: Record<string, number>;
  startedAtMs: number;
}

function isJob(value: unknown): value is DriverJob {
  if (!value || typeof value !== 'object') return false;
  const v = value as Partial<DriverJob>;
  return (
    Array.isArray(v.users) &&
    Array.isArray(v.eventIds) &&
    v.eventIds.length > 0 &&
    typeof v.seconds === 'number' &&
    typeof v.idempotencyKeys === 'boolean'
  );
}

/** A real booking: a 2xx whose tRPC result is a booking with an id, in the status expected. */
function outcome(answer: Answer, status: BookingOrder['status']): 'booked' | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    return `HTTP ${answer.status} (not JSON)`;
  }
  const p = parsed as {
    result?: { data?: { id?: unknown; status?: unknown } };
    error?: { data?: { appCode?: unknown } };
  };
  if (answer.status >= 200 && answer.status < 300) {
    const data = p.result?.data;
    return typeof data?.id === 'string' && data.status === status
      ? 'booked'
      : `HTTP ${answer.status} without a ${status} booking`;
  }
  const code = p.error?.data?.appCode;
  return `HTTP ${answer.status} ${typeof code === 'string' ? code : ''}`.trim();
}

async function drive(job: DriverJob): Promise<DriverResult> {
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let booked = 0;
  let bookedTotal = 0;
  const pick = () => job.eventIds[Math.floor(Math.random() * job.eventIds.length)] ?? '';
  process.stdout.write(`${JSON.stringify({ type: 'start' })}\n`);
  const startedAtMs = Date.now();
  const deadline = performance.now() + job.seconds * 1_000;

  async function loop(user: DriverJob['users'][number]): Promise<void> {
    // One socket per user, kept alive: a connection is a user, as with the SDK clients.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const url = new URL('/trpc/bookings.create', user.url);
    const status = job.order?.status ?? 'confirmed';
    for (let call = 0; performance.now() < deadline; call++) {
      const input = {
        ...bookingInput(pick(), job.order, call),
        ...(job.idempotencyKeys && { idempotencyKey: randomUUID() }),
      };
      const t0 = performance.now();
      let result: string;
      try {
        result = outcome(await post(agent, url, user.accessToken, JSON.stringify(input)), status);
      } catch (error) {
        result = error instanceof Error ? `network: ${error.message.slice(0, 40)}` : 'network';
      }
      const t1 = performance.now();
      if (result === 'booked') {
        bookedTotal += 1;
        if (t1 <= deadline) {
          booked += 1;
          latencies.push(t1 - t0);
        }
      } else {
        errors[result] = (errors[result] ?? 0) + 1;
      }
    }
    agent.destroy();
  }

  await Promise.all(job.users.map(loop));
  return { type: 'result', booked, bookedTotal, latenciesMs: latencies, errors, startedAtMs };
}

const job: unknown = JSON.parse(await text(process.stdin));
if (!isJob(job)) throw new Error('booking-http-driver: malformed job on stdin');
process.stdout.write(`${JSON.stringify(await drive(job))}\n`);
