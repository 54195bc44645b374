import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';

export interface Sampler<T> {
  /**
   * Stops and answers every sample taken. Rejects when the reads kept failing
   * (`maxFailuresInARow` in a row) or none succeeded: then the samples cannot be trusted to
   * cover the run.
   */
  stop(): Promise<T[]>;
  /** Reads that failed and were tried again. */
  failedReads(): number;
}

export interface SamplerOptions {
  /** Pause between two reads (default 5 ms). */
  intervalMs?: number;
  /** Pause after a failed read (default 200 ms: a struggling server gets room). */
  retryMs?: number;
  /** Failed reads in a row after which the sampler gives up (default 5). */
  maxFailuresInARow?: number;
}

/**
 * Calls `read` over and over until stopped, keeping what it answers. One failed read (a 5 s
 * connection timeout to the shared Postgres on a machine at load 36, say) is skipped and tried
 * again: it says nothing about what is sampled. The loop never rejects on its own — a rejection
 * nobody awaits yet would fail the whole test file — so a lasting failure surfaces in `stop()`.
 */
export function sampleUntilStopped<T>(
  read: () => Promise<T | undefined>,
  options: SamplerOptions = {},
): Sampler<T> {
  const { intervalMs = 5, retryMs = 200, maxFailuresInARow = 5 } = options;
  const samples: T[] = [];
  let running = true;
  let failed = 0;
  let inARow = 0;
  let lastError: unknown;
  const loop = (async () => {
    while (running) {
      try {
        const sample = await read();
        if (sample !== undefined) samples.push(sample);
        inARow = 0;
        await sleep(intervalMs);
      } catch (error) {
        failed += 1;
        inARow += 1;
        lastError = error;
        if (inARow >= maxFailuresInARow) return;
        await sleep(retryMs);
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      if (inARow >= maxFailuresInARow) {
        throw new Error(`sampling gave up after ${inARow} failed reads in a row`, {
          cause: lastError,
        });
      }
      if (samples.length === 0 && failed > 0) {
        throw new Error(`no read succeeded (${failed} failed)`, { cause: lastError });
      }
      return samples;
    },
    failedReads: () => failed,
  };
}

export interface InventorySample {
  capacity: number;
  /** confirmed + held on the inventory row. */
  taken: number;
  /** The seats of the event's live (pending or confirmed) bookings. */
  booked: number;
}

/**
 * Samples, in one statement (one snapshot), the event's inventory row and the seats of its live
 * bookings until stopped: both must stay within capacity and equal at every instant.
 */
export function watchInventory(
  db: Kysely<Database>,
  eventId: string,
  options?: SamplerOptions,
): Sampler<InventorySample> {
  return sampleUntilStopped(async () => {
    const { rows } = await sql<{ capacity: number; taken: number; booked: string }>`
      SELECT i.capacity, i.confirmed + i.held AS taken,
        (SELECT coalesce(sum(b.quantity), 0) FROM bookings b
          WHERE b.event_id = i.event_id AND b.status IN ('pending', 'confirmed')) AS booked
      FROM event_inventory i WHERE i.event_id = ${eventId}`.execute(db);
    const row = rows[0];
    return row && { capacity: row.capacity, taken: row.taken, booked: Number(row.booked) };
  }, options);
}
