import type { AppRouter } from '@evently/api';
import { type Operation, TRPCClientError, type TRPCLink } from '@trpc/client';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import { appCodeOf } from '../errors.js';
import { sentTokenOf, skipsAuth } from '../op-context.js';
import type { SessionEngine } from './session.js';

/** A subscription connected this long was accepted (a refusal follows its connect at once). */
const ACCEPTED_AFTER_MS = 2_000;

/**
 * Keeps calls signed in: refreshes a token that is due before sending, and when the server
 * still answers TOKEN_EXPIRED refreshes (once for every caller at the same time) and sends the
 * call again, once. A subscription does the same each time the server ends it because its token
 * expired (it checks open streams on a timer), resuming after its last tracked event; it gives
 * up only when a fresh connection is refused at once. SESSION_REVOKED on the current token
 * signs out, and the caller's `onError` gets the error (a subscription's too). The transport
 * puts the bearer on the request and records which token it sent, so a late answer about an
 * old token never refreshes or signs out a newer one.
 */
export function authLink(session: SessionEngine): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) => {
      if (skipsAuth(op.context)) return next(op);
      return observable((observer) => {
        let current: Unsubscribable | undefined;
        let stopped = false;
        let retried = false;
        let lastEventId: string | undefined;

        const attempt = (attemptOp: Operation) => {
          if (stopped) return;
          let startedAt: number | undefined;
          let delivered = false;
          current = next(attemptOp).subscribe({
            next(envelope) {
              const result = envelope.result;
              if ('id' in result && typeof result.id === 'string') lastEventId = result.id;
              if ('data' in result) delivered = true;
              if ('type' in result && result.type === 'started') startedAt = Date.now();
              observer.next(envelope);
            },
            complete: () => observer.complete(),
            error(error) {
              const used = sentTokenOf(attemptOp.context);
              const code = appCodeOf(error);
              // A stream the server accepted and later ended (its token ran out meanwhile) may
              // be refreshed and resumed again; a refusal right at connect may not, or a server
              // that refuses every token would be asked forever.
              if (
                delivered ||
                (startedAt !== undefined && Date.now() - startedAt >= ACCEPTED_AFTER_MS)
              ) {
                retried = false;
              }
              if (code === 'TOKEN_EXPIRED' && used && !retried) {
                retried = true;
                session.afterExpired(used).then(
                  (token) => (token ? attempt(fresh(op, lastEventId)) : observer.error(error)),
                  (refreshError: unknown) =>
                    observer.error(TRPCClientError.from(asError(refreshError))),
                );
                return;
              }
              if (code === 'SESSION_REVOKED' && used) {
                const fail = () => observer.error(error);
                session.afterRevoked(used).then(fail, fail);
                return;
              }
              observer.error(error);
            },
          });
        };

        session.accessToken().then(
          () => attempt(fresh(op, undefined)),
          (error: unknown) => observer.error(TRPCClientError.from(asError(error))),
        );
        return () => {
          stopped = true;
          current?.unsubscribe();
        };
      });
    };
}

/** A copy with its own context (the transport records into it) and, for a subscription, resuming. */
function fresh(op: Operation, lastEventId: string | undefined): Operation {
  const input =
    lastEventId !== undefined && typeof op.input === 'object' && op.input !== null
      ? { ...op.input, lastEventId }
      : op.input;
  return { ...op, input, context: { ...op.context } };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
