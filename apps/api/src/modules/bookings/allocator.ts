import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DomainEventInput, DomainTopic } from '@evently/contracts';
import { appendEvents, type Database } from '@evently/db';
import { type LockPort, LockUnavailableError } from '@evently/platform';
import type { Kysely, Transaction } from 'kysely';
import { type AuditEntryInput, appendAudits } from '../../audit/audit.repository.js';
import { AppError } from '../../errors/app-error.js';
import type { RequestLog } from '../../trpc/context.js';
import { type BookingTerms, isOnSale, readBookingTerms } from '../events/booking-terms.js';
import { bookingRef, toBooking } from './bookings.mappers.js';
import {
  type BookingRow,
  type NewBookingRow,
  bookingsRepository as repo,
} from './bookings.repository.js';
import { idempotencyRepository } from './idempotency.repository.js';

export const CREATE_SCOPE = 'bookings.create';

export interface BookingRequest {
  userId: string;
  quantity: number;
  idempotencyKey: string | undefined;
  requestHash: string;
}

export interface Allocator {
  /** Queues a request behind the others of its event; resolves with the booking or rejects with an AppError. */
  book(eventId: string, request: BookingRequest): Promise<BookingRow>;
}

interface Pending extends BookingRequest {
  resolve(row: BookingRow): void;
  reject(error: unknown): void;
}

type Decision =
  | { ok: true; row: BookingRow }
  | { ok: false; error: AppError }
  | { ok: 'replay'; bookingId: string };

/** Another transaction changed the inventory (or a key) between our read and our write. */
class LostRace extends Error {}

const MAX_BATCH = 500;
const MAX_ATTEMPTS = 8;

/**
 * Per event, requests are coalesced into batches in arrival order; one redlock lock and one
 * transaction serve a whole batch: read the inventory row and its version, decide every request,
 * insert the bookings, update the inventory `WHERE version = $read`, append audit rows and outbox
 * events, commit, answer every caller. A lost version race re-reads and retries with jittered
 * backoff. The lock is contention relief only: the version check and the CHECK constraint keep
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
}): Allocator {
  const queues = new Map<string, Pending[]>();

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
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        const decisions = await runBatch(eventId, batch);
        const replays = decisions.flatMap((d) => (d.ok === 'replay' ? [d.bookingId] : []));
        const replayed = new Map((await repo.findBookings(deps.db, replays)).map((r) => [r.id, r]));
        for (const [i, request] of batch.entries()) answer(request, decisions[i], replayed);
        const holds = decisions.flatMap((d) =>
          d.ok === true && d.row.status === 'pending' ? [d.row] : [],
        );
        if (holds.length > 0) deps.onHolds(holds);
      } catch (error) {
        const mapped =
          error instanceof LockUnavailableError || error instanceof LostRace
            ? new AppError('SERVICE_UNAVAILABLE', 'Bookings are busy or unavailable; retry shortly')
            : error;
        for (const request of batch) request.reject(mapped);
      }
    }
    queues.delete(eventId);
  }

  async function runBatch(eventId: string, batch: Pending[]): Promise<Decision[]> {
    return deps.locks.withLock(
      `event:${eventId}`,
      { ttlMs: 5_000, retryCount: 300, retryDelayMs: 10 },
      async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await deps.db.transaction().execute((trx) => allocate(trx, eventId, batch));
          } catch (error) {
            if (!(error instanceof LostRace) || attempt >= MAX_ATTEMPTS) throw error;
            // Jittered exponential backoff: 2, 4, 8 … ms, times 0.5–1.5.
            await sleep(2 ** attempt * (0.5 + Math.random()));
          }
        }
      },
    );
  }

  function refusal(terms: BookingTerms | undefined, now: Date): AppError | undefined {
    if (!terms) return new AppError('NOT_FOUND', 'Event not found');
    if (!isOnSale(terms, now))
      return new AppError('EVENT_NOT_BOOKABLE', 'This event is not on sale');
    return undefined;
  }

  async function allocate(
    trx: Transaction<Database>,
    eventId: string,
    batch: Pending[],
  ): Promise<Decision[]> {
    const now = deps.now();
    const terms = await readBookingTerms(trx, eventId);
    const refused = refusal(terms, now);
    // Locked, not just read: confirms, cancels, expiries and waitlist joins move seats on this row
    // one booking at a time; with a plain read each of them committing during the batch made it
    // lose its version race and back off while holding the event lock. They now wait for the
    // batch (and the batch for them); the version check stays as the guard.
    const inventory = await repo.lockInventory(trx, eventId);
    if (refused || !terms || !inventory) {
      const error = refused ?? new AppError('EVENT_NOT_BOOKABLE', 'This event is not on sale');
      return batch.map(() => ({ ok: false, error }));
    }
    const waiting = await repo.waitingCount(trx, eventId);
    const users = [...new Set(batch.map((r) => r.userId))];
    // Only a per-user limit needs the users' existing seats.
    const owned =
      terms.maxPerUser === null
        ? new Map<string, number>()
        : await repo.liveQuantities(trx, eventId, users);
    const storedKeys = await idempotencyRepository.findLive(
      trx,
      CREATE_SCOPE,
      batch.flatMap((r) => (r.idempotencyKey ? [{ userId: r.userId, key: r.idempotencyKey }] : [])),
      now,
    );

    let available = inventory.capacity - inventory.confirmed - inventory.held;
    const confirmNow = terms.priceCents === 0;
    const expiresAt = confirmNow ? null : new Date(now.getTime() + deps.holdMinutes * 60_000);
    const decisions: Decision[] = [];
    const rows: NewBookingRow[] = [];
    const keyedInBatch = new Map<string, { hash: string; index: number }>();
    const newKeys: {
      userId: string;
      scope: string;
      key: string;
      requestHash: string;
      resultId: string;
    }[] = [];

    for (const [index, request] of batch.entries()) {
      const keyId = request.idempotencyKey ? `${request.userId}:${request.idempotencyKey}` : null;
      const stored = keyId ? storedKeys.get(keyId) : undefined;
      const earlier = keyId ? keyedInBatch.get(keyId) : undefined;
      if (stored || earlier) {
        const hash = stored?.request_hash ?? earlier?.hash;
        if (hash !== request.requestHash) {
          decisions.push({
            ok: false,
            error: new AppError(
              'IDEMPOTENCY_KEY_REUSED',
              'This idempotency key was used with other parameters',
            ),
          });
        } else if (stored?.resultId) {
          decisions.push({ ok: 'replay', bookingId: stored.resultId });
        } else {
          // Same key twice in this batch: answer like the first.
          decisions.push({ ok: 'replay', bookingId: `batch:${earlier?.index}` });
        }
        continue;
      }
      const mine = owned.get(request.userId) ?? 0;
      if (request.quantity > terms.maxPerBooking) {
        decisions.push({
          ok: false,
          error: new AppError(
            'QUANTITY_LIMIT_EXCEEDED',
            `At most ${terms.maxPerBooking} seats per booking`,
            { maxPerBooking: terms.maxPerBooking },
          ),
        });
      } else if (terms.maxPerUser !== null && mine + request.quantity > terms.maxPerUser) {
        decisions.push({
          ok: false,
          error: new AppError(
            'QUANTITY_LIMIT_EXCEEDED',
            `At most ${terms.maxPerUser} seats per person`,
            { maxPerUser: terms.maxPerUser, alreadyBooked: mine },
          ),
        });
      } else if (waiting > 0 || request.quantity > available) {
        decisions.push({
          ok: false,
          error: new AppError('SOLD_OUT', 'Not enough seats left', {
            available: waiting > 0 ? 0 : available,
          }),
        });
      } else {
        const id = randomUUID();
        available -= request.quantity;
        owned.set(request.userId, mine + request.quantity);
        rows.push({
          id,
          event_id: eventId,
          user_id: request.userId,
          quantity: request.quantity,
          status: confirmNow ? 'confirmed' : 'pending',
          unit_price_cents: terms.priceCents,
          total_cents: terms.priceCents * request.quantity,
          currency: terms.currency,
          expires_at: expiresAt,
          updated_at: now,
          confirmed_at: confirmNow ? now : null,
        });
        decisions.push({ ok: 'replay', bookingId: id });
        if (keyId && request.idempotencyKey) {
          keyedInBatch.set(keyId, { hash: request.requestHash, index });
          newKeys.push({
            userId: request.userId,
            scope: CREATE_SCOPE,
            key: request.idempotencyKey,
            requestHash: request.requestHash,
            resultId: id,
          });
        }
      }
    }

    const inserted = await repo.insertBookings(trx, rows);
    const seats = inserted.reduce((sum, r) => sum + r.quantity, 0);
    if (seats > 0) {
      const delta = confirmNow ? { confirmed: seats, held: 0 } : { confirmed: 0, held: seats };
      if (!(await repo.consumeSeats(trx, eventId, inventory.version, delta))) throw new LostRace();
    }
    if ((await idempotencyRepository.insert(trx, newKeys, now)) < newKeys.length)
      throw new LostRace();

    const events: DomainEventInput<DomainTopic>[] = [];
    const audits: AuditEntryInput[] = [];
    for (const row of inserted) {
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
    await appendEvents(trx, events);
    await appendAudits(trx, audits);

    const byId = new Map(inserted.map((r) => [r.id, r]));
    return decisions.map((d, i): Decision => {
      if (d.ok !== 'replay') return d;
      const own = byId.get(d.bookingId);
      if (own) return { ok: true, row: own };
      if (d.bookingId.startsWith('batch:')) {
        const first = decisions[Number(d.bookingId.slice(6))];
        const firstRow = first?.ok === 'replay' ? byId.get(first.bookingId) : undefined;
        return firstRow
          ? { ok: true, row: firstRow }
          : { ok: false, error: new AppError('INTERNAL', `No booking for request ${i}`) };
      }
      return d;
    });
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
