import { performance } from 'node:perf_hooks';
import { TRPCClientError } from '@evently/sdk';
import type { BookingInput } from './booking-order.js';
import type { BenchUser } from './hot-event-setup.js';

export interface ClientRun {
  /** Bookings confirmed by calls that completed inside the timed window. */
  booked: number;
  /** Every booking a client was told it got, the calls ending after the window included. */
  bookedTotal: number;
  seconds: number;
  /** Latency of the successful calls inside the window, ms, sorted ascending. */
  latenciesMs: Float64Array;
  /** Failed calls by `data.appCode` (or the error's name when there is none). */
  errors: Record<string, number>;
  /** Wall-clock bounds of the window, to pick its bookings out of the database. */
  startedAt: Date;
  endedAt: Date;
}

function codeOf(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const data: unknown = error.data;
    if (data && typeof data === 'object' && 'appCode' in data && typeof data.appCode === 'string')
      return data.appCode;
    return `tRPC: ${error.message.slice(0, 60)}`;
  }
  return error instanceof Error ? error.name : 'unknown';
}

/**
 * Every user's client loops `bookings.create(input(call))` (`call` counts the user's calls from
 * 0) — one call in flight per client, the next sent as soon as the last answers — for `seconds`,
 * timing each call.
 */
export async function runBookingClients(
  users: BenchUser[],
  seconds: number,
  input: (call: number) => BookingInput,
): Promise<ClientRun> {
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let booked = 0;
  let bookedTotal = 0;
  const startedAt = new Date();
  const start = performance.now();
  const deadline = start + seconds * 1_000;

  async function loop(user: BenchUser): Promise<void> {
    for (let call = 0; performance.now() < deadline; call++) {
      const t0 = performance.now();
      try {
        await user.client.bookings.create.mutate(input(call));
        const t1 = performance.now();
        bookedTotal += 1;
        if (t1 <= deadline) {
          booked += 1;
          latencies.push(t1 - t0);
        }
      } catch (error) {
        const code = codeOf(error);
        errors[code] = (errors[code] ?? 0) + 1;
      }
    }
  }

  await Promise.all(users.map(loop));
  const endedAt = new Date(startedAt.getTime() + seconds * 1_000);
  return {
    booked,
    bookedTotal,
    seconds,
    latenciesMs: Float64Array.from(latencies).sort(),
    errors,
    startedAt,
    endedAt,
  };
}

/** The value below which `p` of the sorted samples fall (nearest rank). */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}
