import type { AppRouter } from '@evently/api';
import type { TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import { toEventlyError } from './errors.js';
import { requestIdOf } from './op-context.js';

/** Turns every API error a call ends with into an EventlyError (the outermost link). */
export function errorLink(): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) =>
        next(op).subscribe({
          next: (envelope) => observer.next(envelope),
          complete: () => observer.complete(),
          error: (error) => observer.error(toEventlyError(error, requestIdOf(op.context))),
        }),
      );
}
