import { denial } from '../../access/access-policy.js';
import { AppError } from '../../kernel/app-error.js';
import type { Principal } from '../../kernel/principal.js';
import type { BookingTerms } from '../events/booking-terms.js';
import type { BookingRow } from './bookings.repository.js';

// The allocator's vocabulary: what a request of a batch gets, and the refusals every decision
// shares. The rules themselves are `decideOrders` (order-decision.ts).

export const CREATE_SCOPE = 'bookings.create';

/** What one request of a batch gets. */
export type Decision =
  | { ok: true; row: BookingRow }
  | { ok: false; error: AppError }
  | { ok: 'replay'; bookingId: string };

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
export const keyIdOf = (r: { principal: Principal; idempotencyKey?: string | undefined }) =>
  r.idempotencyKey ? `${r.principal.userId}:${r.idempotencyKey}` : null;
