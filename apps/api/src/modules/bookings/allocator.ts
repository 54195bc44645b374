import { setTimeout as sleep } from 'node:timers/promises';
import type { DomainEventInput, DomainTopic } from '@evently/contracts';
import { type Database, toOutboxRows } from '@evently/db';
import { type LockPort, LockUnavailableError } from '@evently/platform';
import type { Kysely } from 'kysely';
import { type AuditEntryInput, toAuditRows } from '../../audit/audit.repository.js';
import { AppError } from '../../kernel/app-error.js';
import type { RequestLog } from '../../kernel/log.js';
import {
  type BookingRequest,
  CREATE_SCOPE,
  type Decision,
  decideBatch,
  keyRefsOf,
} from './allocation-decision.js';
import { allocatorRepository } from './allocator.repository.js';
import { bookingRef, toBooking } from './bookings.mappers.js';
import { type BookingRow, bookingsRepository as repo } from './bookings.repository.js';

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
  book(eventId: string, request: BookingRequest): Promise<BookingRow>;
}

interface Pending extends BookingRequest {
  resolve(row: BookingRow): void;
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
/** Times a drain puts a batch back after its lease lapsed before refusing it. */
const MAX_LEASE_LOSSES = 3;

const MAX_BATCH = 500;
const MAX_ATTEMPTS = 8;

/**
 * Per event, requests are coalesced into batches in arrival order; one transaction serves a
 * whole batch: read the inventory row, the event and their versions (one query), decide every
 * request (decideBatch), then one statement — a transaction of its own — updates the inventory
 * `WHERE version = $read` and, only if it did, inserts the bookings, keys, audit rows and outbox
 * events; then every caller is answered. Two round trips per batch. A quiet event's batch runs
 * without a lock; once a race was lost to another process the event's batches take its redlock
 * lock for a while (under a flash sale it is held for as little as the database allows) and a
 * lost race re-reads and retries with jittered backoff. The lock is contention relief only: the
 * version checks and the CHECK constraint keep correctness even when two holders get in.
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
  const queues = new Map<string, Pending[]>();
  /** Events that lost a race lately, to when they count as contended (monotonic ms). */
  const contendedUntil = new Map<string, number>();

  function contended(eventId: string): boolean {
    if (deps.lockWhen === 'always') return true;
    const until = contendedUntil.get(eventId);
    if (until === undefined) return false;
    if (until > performance.now()) return true;
    contendedUntil.delete(eventId);
    return false;
  }

  function answer(
    request: Pending,
    decision: Decision | undefined,
    replayed: Map<string, BookingRow>,
  ): void {
    if (!decision) request.reject(new AppError('INTERNAL', 'No decision'));
    else if (decision.ok === true) request.resolve(decision.row);
    else if (decision.ok === false) request.reject(decision.error);
    else {
      const row = replayed.get(decision.bookingId);
      if (row) request.resolve(row);
      else request.reject(new AppError('INTERNAL', 'The original booking is gone'));
    }
  }

  async function drain(eventId: string, queue: Pending[]): Promise<void> {
    let leaseLosses = 0;
    while (queue.length > 0) {
      const batch: Pending[] = [];
      try {
        // The batch is taken (or topped up) once the lock is ours, so requests that arrived
        // while we waited for it (the other instance's turn) ride along instead of waiting a
        // whole extra cycle.
        const decisions = await runBatch(eventId, () => {
          batch.push(...queue.splice(0, MAX_BATCH - batch.length));
          return batch;
        });
        const replays = decisions.flatMap((d) => (d.ok === 'replay' ? [d.bookingId] : []));
        const replayed = new Map((await repo.findBookings(deps.db, replays)).map((r) => [r.id, r]));
        for (const [i, request] of batch.entries()) answer(request, decisions[i], replayed);
        const holds = decisions.flatMap((d) =>
          d.ok === true && d.row.status === 'pending' ? [d.row] : [],
        );
        if (holds.length > 0) deps.onHolds(holds);
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
            ? new AppError('SERVICE_UNAVAILABLE', 'Bookings are busy or unavailable; retry shortly')
            : error;
        // Without the lock no batch was taken: those waiting are refused instead.
        const failed = batch.length > 0 ? batch : queue.splice(0, MAX_BATCH);
        for (const request of failed) request.reject(mapped);
      }
    }
    queues.delete(eventId);
    contended(eventId); // forgets a contention that has run out
  }

  async function runBatch(eventId: string, take: () => Pending[]): Promise<Decision[]> {
    if (!contended(eventId)) {
      // Optimistic: no lock, one attempt (two if expired keys had to go first). The version
      // check in the write is the arbiter either way; a lost race means another process books
      // this event too, so it is contended now and the batch goes on under the lock.
      let result = await allocate(eventId, take());
      if (result === 'keys-forgotten') result = await allocate(eventId, take());
      if (Array.isArray(result)) return result;
      contendedUntil.set(eventId, performance.now() + (deps.contendedMs ?? CONTENDED_MS));
    }
    return deps.locks.withLock(
      `event:${eventId}`,
      // Waiters are woken by the release; the delay is only the fallback when a wake-up is lost.
      { ttlMs: deps.lockLeaseMs ?? EVENT_LOCK_LEASE_MS, retryCount: 400, retryDelayMs: 10 },
      async (signal) => {
        const batch = take();
        for (let attempt = 1; ; attempt++) {
          const decisions = await allocate(eventId, batch);
          if (Array.isArray(decisions)) return decisions;
          if (attempt >= MAX_ATTEMPTS) throw new LostRace();
          // The race was most likely lost to whoever holds the lock now.
          if (signal.aborted) throw new LeaseLost();
          // A lost race re-reads at once, then with jittered exponential backoff: 4, 8 … ms,
          // times 0.5–1.5.
          if (attempt > 1) await sleep(2 ** attempt * (0.5 + Math.random()));
        }
      },
    );
  }

  /**
   * One attempt at a batch: read, decide (decideBatch, a pure function of what was read), write
   * (two round trips). `lost-race` when the write found the inventory or the event changed
   * since the read, `keys-forgotten` when expired idempotency keys were deleted first: nothing
   * was written either way, and the batch is decided again.
   */
  async function allocate(
    eventId: string,
    batch: Pending[],
  ): Promise<Decision[] | 'lost-race' | 'keys-forgotten'> {
    const now = deps.now();
    const state = await allocatorRepository.readBatchState(
      deps.db,
      eventId,
      CREATE_SCOPE,
      [...new Set(batch.map((r) => r.principal.userId))],
      keyRefsOf(batch),
      now,
    );
    const decided = decideBatch(eventId, state, batch, { now, holdMinutes: deps.holdMinutes });
    if (decided.kind === 'answer') return decided.decisions;
    if (decided.kind === 'forget-keys') {
      // A key older than its 24 h may be used again: its old record goes first.
      await allocatorRepository.deleteExpiredKeys(deps.db, CREATE_SCOPE, decided.keys, now);
      return 'keys-forgotten';
    }
    const events: DomainEventInput<DomainTopic>[] = [];
    const audits: AuditEntryInput[] = [];
    for (const row of decided.bookings) {
      events.push({
        topic: 'booking.created',
        aggregateId: row.id,
        payload: {
          ...bookingRef(row),
          status: row.status,
          expiresAt: row.expires_at?.toISOString() ?? null,
          waitlistEntryId: null,
        },
      });
      if (row.status === 'confirmed')
        events.push({ topic: 'booking.confirmed', aggregateId: row.id, payload: bookingRef(row) });
      audits.push({
        entity: 'booking',
        entityId: row.id,
        action: 'create',
        actorId: row.user_id,
        after: toBooking(row),
      });
    }
    const written = await allocatorRepository.writeBatch(deps.db, {
      eventId,
      inventoryVersion: decided.inventoryVersion,
      eventVersion: decided.eventVersion,
      seats: decided.seats,
      bookings: decided.bookings,
      keys: decided.keys,
      outbox: toOutboxRows(events, now),
      audits: toAuditRows(audits),
      now,
    });
    return written ? decided.decisions : 'lost-race';
  }

  return {
    book(eventId, request) {
      return new Promise<BookingRow>((resolve, reject) => {
        let queue = queues.get(eventId);
        const first = !queue;
        if (!queue) {
          queue = [];
          queues.set(eventId, queue);
        }
        queue.push({ ...request, resolve, reject });
        if (first) {
          const q = queue;
          // Let requests arriving in the same tick join the first batch.
          setImmediate(() => {
            drain(eventId, q).catch((error: unknown) =>
              deps.log.error({ err: error, eventId }, 'allocator drain failed'),
            );
          });
        }
      });
    },
  };
}
