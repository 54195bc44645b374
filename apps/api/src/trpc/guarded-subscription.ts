import { toPublicError, toTrpcError } from '../errors/error-mapping.js';
import { type Principal, revocationIdOf } from '../kernel/principal.js';
import { identify } from './caller.js';
import type { Context } from './context.js';

export interface SubscriptionAccess<T> {
  /**
   * Throws an AppError unless `principal` may see this stream (its role, the event's access
   * policy); runs at every re-check, with the principal its session says now.
   */
  authorize(principal: Principal): Promise<void>;
  /** Checks access (a refusal here is the procedure's typed error) and opens the stream. */
  open(principal: Principal, signal: AbortSignal): Promise<AsyncIterable<T>>;
}

/**
 * A subscription that ends when its caller loses access: on a published revocation of its
 * session and on the stream guard's timer, the bearer it opened with is authenticated again
 * (expired → TOKEN_EXPIRED, logged out or deactivated → SESSION_REVOKED) and `authorize` runs
 * on the principal as it is now (demoted → FORBIDDEN). Any subscription of an authed procedure
 * should open through this.
 */
export async function guardedSubscription<T>(
  ctx: Context & { principal: Principal },
  signal: AbortSignal | undefined,
  access: SubscriptionAccess<T>,
): Promise<AsyncIterable<T>> {
  const { principal, services } = ctx;
  const updates = await services.streams.guard((stop) => access.open(principal, stop), {
    sessionId: revocationIdOf(principal),
    signal,
    check: async () => access.authorize(await identify(services, ctx.bearerToken)),
  });
  return typedErrors(updates, ctx);
}

/** The revocation feed's key for streams nobody signed in to: nothing is ever published to it. */
const ANONYMOUS_STREAMS = 'anonymous';

/**
 * A subscription of a public procedure: a signed-in caller's is guarded as `guardedSubscription`
 * guards it (their access can change); an anonymous caller's was authorised as anyone when it
 * opened and nothing revokes "anyone", so it is not checked again — it still ends with the
 * server's shutdown, like every guarded stream.
 */
export async function publicSubscription<T>(
  ctx: Context & { principal: Principal | null },
  signal: AbortSignal | undefined,
  access: {
    authorize(principal: Principal): Promise<void>;
    open(principal: Principal | null, signal: AbortSignal): Promise<AsyncIterable<T>>;
  },
): Promise<AsyncIterable<T>> {
  const { principal } = ctx;
  if (principal) return guardedSubscription({ ...ctx, principal }, signal, access);
  const updates = await ctx.services.streams.guard((stop) => access.open(null, stop), {
    sessionId: ANONYMOUS_STREAMS,
    signal,
    check: async () => {},
  });
  return typedErrors(updates, ctx);
}

/**
 * tRPC sends an error thrown mid-stream as its own INTERNAL_SERVER_ERROR (which clients
 * reconnect from) and bypasses the procedure middleware: map it here, so a refusal reaches the
 * client as its code (UNAUTHORIZED/FORBIDDEN, not retried) with its appCode.
 */
async function* typedErrors<T>(updates: AsyncIterable<T>, ctx: Context): AsyncGenerator<T> {
  try {
    yield* updates;
  } catch (error) {
    // The client went away: tRPC ends the response quietly.
    if (error instanceof Error && error.name === 'AbortError') throw error;
    const mapped = toTrpcError(error);
    if (toPublicError(mapped).appCode === 'INTERNAL') {
      ctx.log.error({ err: error }, 'subscription failed');
    }
    throw mapped;
  }
}
