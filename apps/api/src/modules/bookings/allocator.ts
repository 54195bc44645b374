import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@evently/db';
import { type LockPort, LockUnavailableError } from '@evently/platform';
import type { Kysely } from 'kysely';
import { AppError } from '../../kernel/app-error.js';
import type { RequestLog } from '../../kernel/log.js';
import { createAllocationRound, type RoundResult } from './allocation-round.js';
import {
  LANE_LOSSES,
  LOCKED_RACE_BUDGET_MS,
  MAX_ATTEMPTS,
  MAX_BATCH,
  MAX_LANE_ROUNDS,
  MAX_LEASE_LOSSES,
  MAX_LOCKED_BACKOFF_MS,
  SLOW_ROUND_MS,
} from './allocator-tuning.js';
import type { BookingLines } from './booking-items.repository.js';
import { type BookingRow, bookingsRepository as repo } from './bookings.repository.js';
import type { Decision, OrderRequest } from './order-decision.js';

/**
 * When a batch takes its event's lock: `contended` (the default) only while the event is
 * contended — a version race was lost to another process within CONTENDED_MS — so a booking of
 * a quiet event costs two round trips to Postgres and none to Redis; `always`: every batch.
 */
export type EventLockPolicy = 'contended' | 'always';

/** How long an event counts as contended after a lost race (each further loss extends it). */
export const CONTENDED_MS = 2_000;

export interface Allocator {
  /** Queues a request behind the others of its event; resolves with the booking or rejects with an AppError. */
  book(eventId: string, request: OrderRequest): Promise<AllocatedBooking>;
}

/**
 * A booking as the allocator answers it: with the lines it was sold as when this batch wrote it
 * (a replay of an earlier one has none: its lines are read).
 */
export type AllocatedBooking = BookingRow & { lines?: BookingLines };

interface Pending extends OrderRequest {
  eventId: string;
  resolve(row: AllocatedBooking): void;
  reject(error: unknown): void;
}

/** Another transaction changed the inventory (or a key) between our read and our write. */
class LostRace extends Error {}
/** The event lock's lease lapsed under a batch that had not written yet. */
class LeaseLost extends Error {}

/**
 * The event lock's lease. The holder renews it while its batch runs, so it only bounds how long
 * the lock of an instance that died (SIGKILL, crash) blocks the event for the others.
 */
export const EVENT_LOCK_LEASE_MS = 1_000;
const keyIdOf = (r: OrderRequest): string | undefined =>
  r.idempotencyKey ? `${r.principal.userId}:${r.idempotencyKey}` : undefined;

const busy = () =>
  new AppError('SERVICE_UNAVAILABLE', 'Bookings are busy or unavailable; retry shortly');

/**
 * Requests are served in rounds (allocation-round.ts): one read, a decision per event over its
 * own snapshot, one statement writing every event's batch conditioned on that event's versions.
 *
 * - **Quiet events share a lane**: requests for events this process has not seen contended queue
 *   in one lane, and each round takes everything that queued meanwhile, across events — so a
 *   booking of a quiet event pays a share of two round trips, no lock and nothing in Redis. Up to
 *   MAX_LANE_ROUNDS rounds are in flight per process, over disjoint events, so its requests for
 *   one event never race each other.
 * - **Contended events drain on their own**: once an event lost LANE_LOSSES rounds in a row to
 *   another process (its row moved or was being written), its requests queue per event for
 *   CONTENDED_MS and each of its batches takes the event's redlock lock (`lockWhen: 'always'`:
 *   every batch, no lane), held for as little as the database allows; a lost race re-reads and
 *   retries with jittered backoff. The batch is taken once the lock is ours, so requests that
 *   queued while the other process held it ride along.
 *
 * The lock is contention relief only: the version checks and the CHECK constraint keep
 * correctness even when two holders get in.
 */
export function createAllocator(deps: {
  db: Kysely<Database>;
  locks: LockPort;
  holdMinutes: number;
  log: RequestLog;
  now: () => Date;
  /** Called after a batch commits with the holds it created (to schedule their expiry). */
  onHolds: (holds: BookingRow[]) => void;
  /** Default EVENT_LOCK_LEASE_MS. */
  lockLeaseMs?: number;
  /** Default 'contended'. */
  lockWhen?: EventLockPolicy;
  /** Default CONTENDED_MS. */
  contendedMs?: number;
}): Allocator {
  const round = createAllocationRound(deps);
  /** Per contended event, its queue (present while its drain runs). */
  const queues = new Map<string, Pending[]>();
  /** Events that lost a race lately, to when they count as contended (monotonic ms). */
  const contendedUntil = new Map<string, number>();
  let lane: Pending[] = [];
  /** Lane rounds each event lost in a row. */
  const laneLosses = new Map<string, number>();
  /** Lane rounds in flight, and the events and idempotency keys they carry. */
  let laneRounds = 0;
  const laneEvents = new Set<string>();
  const laneKeys = new Set<string>();
  let laneScheduled = false;
  /** When each lane round in flight started (monotonic ms), and the timer for a slow one. */
  const laneStarts = new Map<symbol, number>();
  let slowTimer: NodeJS.Timeout | undefined;

  function contended(eventId: string): boolean {
    if (deps.lockWhen === 'always') return true;
    const until = contendedUntil.get(eventId);
    if (until === undefined) return false;
    if (until > performance.now()) return true;
    contendedUntil.delete(eventId);
    return false;
  }

  const ownLane = (eventId: string) => queues.has(eventId) || contended(eventId);

  function markContended(eventId: string): void {
    contendedUntil.set(eventId, performance.now() + (deps.contendedMs ?? CONTENDED_MS));
  }

  /** Into the event's own queue, ahead of later arrivals when they waited in the lane. */
  function queueForEvent(eventId: string, requests: Pending[], ahead: boolean): void {
    const queue = queues.get(eventId);
    if (queue) {
      if (ahead) queue.unshift(...requests);
      else queue.push(...requests);
      return;
    }
    const fresh = [...requests];
    queues.set(eventId, fresh);
    // Let requests arriving in the same tick join the first batch.
    setImmediate(() => {
      drain(eventId, fresh).catch((error: unknown) =>
        deps.log.error({ err: error, eventId }, 'allocator drain failed'),
      );
    });
  }

  function queueInLane(request: Pending): void {
    lane.push(request);
    scheduleLane();
  }

  /** Starts lane rounds on the next turn of the loop (requests of this tick ride along). */
  function scheduleLane(): void {
    if (laneScheduled) return;
    laneScheduled = true;
    setImmediate(() => {
      laneScheduled = false;
      startLaneRounds();
    });
  }

  /**
   * Answers a batch's requests (replays read their original booking) and arms their holds. Never
   * throws: a lane round's requests live nowhere else, so a failed replay read must answer its
   * replays with the error rather than leave every caller of the round waiting.
   */
  async function answerAll(batch: readonly Pending[], decisions: readonly Decision[]) {
    const replays = decisions.flatMap((d) => (d.ok === 'replay' ? [d.bookingId] : []));
    let replayed = new Map<string, BookingRow>();
    let replayError: unknown;
    try {
      replayed = new Map((await repo.findBookings(deps.db, replays)).map((r) => [r.id, r]));
    } catch (error) {
      replayError = error;
    }
    for (const [i, request] of batch.entries()) {
      const decision = decisions[i];
      if (!decision) request.reject(new AppError('INTERNAL', 'No decision'));
      else if (decision.ok === true) request.resolve({ ...decision.row, lines: decision.lines });
      else if (decision.ok === false) request.reject(decision.error);
      else {
        const row = replayed.get(decision.bookingId);
        if (row) request.resolve(row);
        else
          request.reject(replayError ?? new AppError('INTERNAL', 'The original booking is gone'));
      }
    }
    const holds = decisions.flatMap((d) =>
      d.ok === true && d.row.status === 'pending' ? [d.row] : [],
    );
    if (holds.length > 0) deps.onHolds(holds);
  }

  /**
   * The next lane round's requests, by event in arrival order. A request whose event has turned
   * contended moves to that event's queue; one whose idempotency key another event's request in
   * this round carries waits for the next round (a round decides each event apart, so only then
   * does it see that key's record).
   */
  function takeLaneRound(): Map<string, Pending[]> {
    const round = new Map<string, Pending[]>();
    const keyEvents = new Map<string, string>();
    const moved = new Map<string, Pending[]>();
    const rest: Pending[] = [];
    const add = (into: Map<string, Pending[]>, request: Pending) => {
      const list = into.get(request.eventId);
      if (list) list.push(request);
      else into.set(request.eventId, [request]);
    };
    let taken = 0;
    for (const request of lane) {
      if (ownLane(request.eventId)) {
        add(moved, request);
        continue;
      }
      const keyId = keyIdOf(request);
      const keyEvent = keyId ? keyEvents.get(keyId) : undefined;
      if (
        taken >= MAX_BATCH ||
        // Another round in flight has this event (or this key): it waits for that one.
        laneEvents.has(request.eventId) ||
        (keyId !== undefined && laneKeys.has(keyId)) ||
        (keyEvent !== undefined && keyEvent !== request.eventId)
      ) {
        rest.push(request);
        continue;
      }
      if (keyId) keyEvents.set(keyId, request.eventId);
      add(round, request);
      taken++;
    }
    lane = rest;
    for (const [eventId, requests] of moved) queueForEvent(eventId, requests, true);
    return round;
  }

  /**
   * Up to MAX_LANE_ROUNDS rounds in flight, over disjoint events (and keys); a further one only
   * once the one in flight has been out for SLOW_ROUND_MS.
   */
  function startLaneRounds(): void {
    while (laneRounds < MAX_LANE_ROUNDS && lane.length > 0) {
      if (laneRounds > 0) {
        const inFlightFor = performance.now() - Math.min(...laneStarts.values());
        if (inFlightFor < SLOW_ROUND_MS) {
          if (!slowTimer) {
            slowTimer = setTimeout(() => {
              slowTimer = undefined;
              startLaneRounds();
            }, SLOW_ROUND_MS - inFlightFor);
          }
          return;
        }
      }
      const batches = takeLaneRound();
      if (batches.size === 0) return;
      const keys = [...batches.values()].flat().flatMap((r) => {
        const keyId = keyIdOf(r);
        return keyId ? [keyId] : [];
      });
      laneRounds++;
      const token = Symbol('lane round');
      laneStarts.set(token, performance.now());
      for (const eventId of batches.keys()) laneEvents.add(eventId);
      for (const key of keys) laneKeys.add(key);
      runLaneRound(batches)
        .catch((error: unknown) => deps.log.error({ err: error }, 'allocator lane failed'))
        .finally(() => {
          laneRounds--;
          laneStarts.delete(token);
          for (const eventId of batches.keys()) laneEvents.delete(eventId);
          for (const key of keys) laneKeys.delete(key);
          startLaneRounds();
        });
    }
  }

  async function runLaneRound(batches: Map<string, Pending[]>): Promise<void> {
    let results: Map<string, RoundResult>;
    try {
      results = await round(batches);
    } catch (error) {
      for (const request of [...batches.values()].flat()) request.reject(error);
      return;
    }
    const retry: Pending[] = [];
    await Promise.all(
      [...batches].map(async ([eventId, batch]) => {
        const result = results.get(eventId);
        if (result === 'keys-forgotten') retry.push(...batch);
        else if (result === 'lost-race') {
          const losses = (laneLosses.get(eventId) ?? 0) + 1;
          if (losses < LANE_LOSSES) {
            // Most likely the other process's round had it too: the next round re-reads.
            laneLosses.set(eventId, losses);
            retry.push(...batch);
            return;
          }
          // Lost round after round: a hot event, which drains on its own, under the lock.
          laneLosses.delete(eventId);
          markContended(eventId);
          queueForEvent(eventId, batch, true);
        } else {
          laneLosses.delete(eventId);
          await answerAll(batch, result ?? []);
        }
      }),
    );
    lane.unshift(...retry);
  }

  async function drain(eventId: string, queue: Pending[]): Promise<void> {
    let leaseLosses = 0;
    while (queue.length > 0) {
      const batch: Pending[] = [];
      try {
        const decisions = await runBatch(eventId, () => {
          batch.push(...queue.splice(0, MAX_BATCH - batch.length));
          return batch;
        });
        await answerAll(batch, decisions);
      } catch (error) {
        if (error instanceof LeaseLost && ++leaseLosses <= MAX_LEASE_LOSSES) {
          // Nothing written: the batch waits for the lock again instead of racing its new holder.
          queue.unshift(...batch);
          continue;
        }
        const mapped =
          error instanceof LockUnavailableError ||
          error instanceof LostRace ||
          error instanceof LeaseLost
            ? busy()
            : error;
        // Without the lock no batch was taken: those waiting are refused instead.
        const failed = batch.length > 0 ? batch : queue.splice(0, MAX_BATCH);
        for (const request of failed) request.reject(mapped);
      }
    }
    queues.delete(eventId);
    contended(eventId); // forgets a contention that has run out
  }

  /** One event's batch: a round of its own, under the event's lock while it is contended. */
  async function allocate(eventId: string, batch: Pending[]): Promise<RoundResult> {
    return (await round(new Map([[eventId, batch]]))).get(eventId) ?? 'lost-race';
  }

  async function runBatch(eventId: string, take: () => Pending[]): Promise<Decision[]> {
    if (!contended(eventId)) {
      // Its contention ran out: one optimistic attempt (two if expired keys had to go first)
      // before the lock is taken again.
      let result = await allocate(eventId, take());
      if (result === 'keys-forgotten') result = await allocate(eventId, take());
      if (Array.isArray(result)) return result;
      markContended(eventId);
    }
    return deps.locks.withLock(
      `event:${eventId}`,
      // Waiters are woken by the release; the delay is only the fallback when a wake-up is lost.
      { ttlMs: deps.lockLeaseMs ?? EVENT_LOCK_LEASE_MS, retryCount: 400, retryDelayMs: 10 },
      async (signal) => {
        const batch = take();
        const started = performance.now();
        for (let attempt = 1; ; attempt++) {
          const decisions = await allocate(eventId, batch);
          if (Array.isArray(decisions)) return decisions;
          if (attempt >= MAX_ATTEMPTS && performance.now() - started >= LOCKED_RACE_BUDGET_MS) {
            throw new LostRace();
          }
          // The race was most likely lost to whoever holds the lock now.
          if (signal.aborted) throw new LeaseLost();
          // A lost race re-reads at once, then with jittered exponential backoff: 4, 8 … ms up
          // to MAX_LOCKED_BACKOFF_MS, times 0.5–1.5.
          if (attempt > 1) {
            await sleep(Math.min(2 ** attempt, MAX_LOCKED_BACKOFF_MS) * (0.5 + Math.random()));
          }
        }
      },
    );
  }

  return {
    book(eventId, request) {
      return new Promise<AllocatedBooking>((resolve, reject) => {
        const pending = { ...request, eventId, resolve, reject };
        if (ownLane(eventId)) queueForEvent(eventId, [pending], false);
        else queueInLane(pending);
      });
    },
  };
}
