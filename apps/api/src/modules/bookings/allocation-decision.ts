import { randomUUID } from 'node:crypto';
import { denial } from '../../access/access-policy.js';
import { AppError } from '../../kernel/app-error.js';
import type { Principal } from '../../kernel/principal.js';
import { type BookingTerms, isOnSale } from '../events/booking-terms.js';
import type { BatchState, BatchWrite } from './allocator.repository.js';
import type { BookingRow } from './bookings.repository.js';
import type { KeyRef } from './idempotency.repository.js';

export const CREATE_SCOPE = 'bookings.create';

/** One caller's request, as the allocator queued it. */
export interface BookingRequest {
  principal: Principal;
  quantity: number;
  idempotencyKey: string | undefined;
  requestHash: string;
}

/** What one request of a batch gets. */
export type Decision =
  | { ok: true; row: BookingRow }
  | { ok: false; error: AppError }
  | { ok: 'replay'; bookingId: string };

/**
 * What to do with a batch, decided over one snapshot of its event:
 * - `answer`: nothing to write (refused, or only replays); answer each request;
 * - `forget-keys`: keys past their 24 h are on record; delete them, then read and decide again;
 * - `write`: the rows to write — conditioned on the snapshot's versions — then answer.
 */
export type BatchDecision =
  | { kind: 'answer'; decisions: Decision[] }
  | { kind: 'forget-keys'; keys: KeyRef[] }
  | {
      kind: 'write';
      /** The snapshot's versions: the write happens only if neither has moved. */
      inventoryVersion: number;
      eventVersion: number;
      decisions: Decision[];
      bookings: BookingRow[];
      keys: BatchWrite['keys'];
      seats: BatchWrite['seats'];
    };

export interface DecideOptions {
  now: Date;
  holdMinutes: number;
  /** Ids of new bookings; injectable so a decision can be replayed in a test. */
  newId?: () => string;
}

/** Why a request for an event not on sale is refused: someone else's draft is not disclosed. */
export function refusal(terms: BookingTerms | undefined, principal: Principal): AppError {
  if (!terms) return new AppError('NOT_FOUND', 'Event not found');
  return (
    denial(principal, 'event.book', terms) ??
    new AppError('EVENT_NOT_BOOKABLE', 'This event is not on sale')
  );
}

/** A request's key as recorded: per user. */
export const keyIdOf = (r: Pick<BookingRequest, 'principal' | 'idempotencyKey'>) =>
  r.idempotencyKey ? `${r.principal.userId}:${r.idempotencyKey}` : null;

/** The idempotency keys a batch carries, to read their records with the snapshot. */
export function keyRefsOf(batch: readonly BookingRequest[]): KeyRef[] {
  return batch.flatMap((r) =>
    r.idempotencyKey ? [{ userId: r.principal.userId, key: r.idempotencyKey }] : [],
  );
}

/**
 * The allocator's rules, a pure function of one snapshot (terms, counts, queue, per-user seats,
 * keys on record) and the batch in arrival order: no I/O, so the same snapshot and batch always
 * give the same answer. Requests are served first come, first served; a request that does not
 * fit is refused without blocking smaller ones after it; while anyone waits on the waitlist the
 * event is sold out for direct bookings. A hold ends after `holdMinutes`, at the sales close at
 * the latest; a free event confirms at once.
 */
export function decideBatch(
  eventId: string,
  state: BatchState | undefined,
  batch: readonly BookingRequest[],
  options: DecideOptions,
): BatchDecision {
  const { now } = options;
  const newId = options.newId ?? randomUUID;
  if (!state?.inventory || !isOnSale(state.terms, now)) {
    return {
      kind: 'answer',
      decisions: batch.map((r) => ({ ok: false, error: refusal(state?.terms, r.principal) })),
    };
  }
  const expired = keyRefsOf(batch).filter(
    (r) => state.keys.get(`${r.userId}:${r.key}`)?.live === false,
  );
  if (expired.length > 0) return { kind: 'forget-keys', keys: expired };

  const { terms, inventory, waiting } = state;
  const owned = new Map(state.owned);
  let available = inventory.capacity - inventory.confirmed - inventory.held;
  const confirmNow = terms.priceCents === 0;
  const expiresAt = confirmNow
    ? null
    : new Date(
        Math.min(now.getTime() + options.holdMinutes * 60_000, terms.salesCloseAt.getTime()),
      );
  const decisions: Decision[] = [];
  const bookings: BookingRow[] = [];
  const keyedInBatch = new Map<string, { hash: string; index: number }>();
  const keys: BatchWrite['keys'] = [];

  for (const [index, request] of batch.entries()) {
    const keyId = keyIdOf(request);
    const stored = keyId ? state.keys.get(keyId) : undefined;
    const earlier = keyId ? keyedInBatch.get(keyId) : undefined;
    if (stored || earlier) {
      const hash = stored?.requestHash ?? earlier?.hash;
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
        // The same key twice in this batch: answered like the first.
        const first = decisions[earlier?.index ?? -1];
        decisions.push(
          first?.ok === true
            ? first
            : { ok: false, error: new AppError('INTERNAL', 'No booking for a repeated key') },
        );
      }
      continue;
    }
    const userId = request.principal.userId;
    const mine = owned.get(userId) ?? 0;
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
          {
            maxPerUser: terms.maxPerUser,
            alreadyBooked: mine,
          },
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
      const id = newId();
      available -= request.quantity;
      owned.set(userId, mine + request.quantity);
      const row: BookingRow = {
        id,
        event_id: eventId,
        user_id: userId,
        quantity: request.quantity,
        status: confirmNow ? 'confirmed' : 'pending',
        unit_price_cents: String(terms.priceCents),
        total_cents: String(terms.priceCents * request.quantity),
        currency: terms.currency,
        expires_at: expiresAt,
        created_at: now,
        updated_at: now,
        confirmed_at: confirmNow ? now : null,
        cancelled_at: null,
        cancel_reason: null,
        waitlist_entry_id: null,
      };
      bookings.push(row);
      decisions.push({ ok: true, row });
      if (keyId && request.idempotencyKey) {
        keyedInBatch.set(keyId, { hash: request.requestHash, index });
        keys.push({
          userId,
          scope: CREATE_SCOPE,
          key: request.idempotencyKey,
          requestHash: request.requestHash,
          resultId: id,
        });
      }
    }
  }
  if (bookings.length === 0) return { kind: 'answer', decisions };
  const seatCount = bookings.reduce((sum, r) => sum + r.quantity, 0);
  return {
    kind: 'write',
    inventoryVersion: inventory.version,
    eventVersion: terms.version,
    decisions,
    bookings,
    keys,
    seats: confirmNow ? { confirmed: seatCount, held: 0 } : { confirmed: 0, held: seatCount },
  };
}
