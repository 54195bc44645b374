import type { AppRouter } from '@evently/api';
import type { Operation, TRPCLink } from '@trpc/client';
import { randomId } from './request-id.js';

/** Mutations the server deduplicates by `idempotencyKey` (per user, 24 h). */
const KEYED_MUTATIONS: ReadonlySet<string> = new Set(['bookings.create', 'bookings.waitlist.join']);

/**
 * Gives `bookings.create` and `bookings.waitlist.join` an idempotency key when the caller gave
 * none. It is added before the SDK's retries (token refresh, network failure), so every try of
 * one call carries the same key and the server books once.
 */
export function idempotencyLink(): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) => {
      if (!KEYED_MUTATIONS.has(op.path) || op.type !== 'mutation' || !isRecord(op.input)) {
        return next(op);
      }
      if (op.input.idempotencyKey != null) return next(op);
      return next({ ...op, input: { ...op.input, idempotencyKey: randomId() } });
    };
}

/** A mutation that may be sent twice: the server answers the second with the first's result. */
export function isKeyedMutation(op: Operation): boolean {
  return (
    op.type === 'mutation' &&
    KEYED_MUTATIONS.has(op.path) &&
    isRecord(op.input) &&
    typeof op.input.idempotencyKey === 'string'
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
