import type { AppRouter } from '@evently/api';
import { retryLink, type TRPCLink } from '@trpc/client';
import { isNetworkError } from './errors.js';
import { isKeyedMutation } from './idempotency-link.js';

/** Tries after the first: two, after 100 ms and 400 ms. */
const RETRY_DELAYS_MS = [100, 400];

/**
 * Sends a call again when the network failed — only where that is safe: queries, and the
 * mutations that carry an idempotency key. Any other mutation may have reached the server, so
 * its failure goes to the caller.
 */
export function networkRetryLink(): TRPCLink<AppRouter> {
  return retryLink({
    retry: ({ op, error, attempts }) =>
      attempts <= RETRY_DELAYS_MS.length &&
      (op.type === 'query' || isKeyedMutation(op)) &&
      isNetworkError(error),
    retryDelayMs: (attempts) => RETRY_DELAYS_MS[attempts - 1] ?? 0,
  });
}
