import type { Role } from '@evently/contracts';
import type { TRPCError } from '@trpc/server';
import { toPublicError, toTrpcError } from '../errors/error-mapping.js';
import { AppError } from '../kernel/app-error.js';
import { identify, personOnly } from './caller.js';
import { t } from './init.js';

export const router = t.router;
export const middleware = t.middleware;

/**
 * The HTTP status follows the domain: an AppError becomes the tRPC error of its mapped code, an
 * unreachable dependency SERVICE_UNAVAILABLE; anything else stays INTERNAL (and the formatter
 * hides it).
 */
function classify(error: TRPCError): TRPCError {
  const cause = error.cause;
  if (cause instanceof AppError) return toTrpcError(cause);
  if (error.code === 'INTERNAL_SERVER_ERROR' && cause) return toTrpcError(cause);
  return error;
}

/** Maps errors (above) and times every call by outcome. */
const observed = t.middleware(async ({ ctx, path, type, next }) => {
  const started = performance.now();
  const result = await next();
  const error = result.ok ? null : classify(result.error);
  const outcome = error ? toPublicError(error).appCode : 'ok';
  ctx.metrics.observe(path, type, outcome, (performance.now() - started) / 1000);
  if (error && outcome === 'INTERNAL') {
    ctx.log.error({ err: error.cause ?? error, path }, 'procedure failed');
  }
  if (error) throw error;
  return result;
});

const observedProcedure = t.procedure.use(observed);

/**
 * Reads by callers nobody signed in count against their network (`ipRateLimitKey`: an IPv4
 * address, an IPv6 /64): RATE_LIMITED with retryAfterSeconds past ANONYMOUS_READS_PER_MINUTE.
 */
const limitAnonymousReads = t.middleware(async ({ ctx, type, next }) => {
  if (type !== 'mutation' && ctx.principal === null) await ctx.services.anonymousReads.hit(ctx.ip);
  return next();
});

/**
 * Anyone. Its queries are anonymous reads (limited above); its mutations (register, login…)
 * have limits of their own.
 */
export const publicProcedure = observedProcedure.use(limitAnonymousReads);

/**
 * A person: requires a valid access token of a live session and puts the principal on the
 * context. An API key is refused (FORBIDDEN): signing in, booking for oneself, running the team
 * and making keys are a person's.
 */
export const authedProcedure = observedProcedure.use(async ({ ctx, next }) => {
  const principal = personOnly(await identify(ctx.services, ctx.bearerToken));
  return next({ ctx: { principal } });
});

/**
 * A person or an API key (`Bearer evk_…`): what an organization's work is made of. The access
 * policy decides with either (a key by its scopes, SCOPE_MISSING when it lacks one).
 */
export const personOrKeyProcedure = observedProcedure.use(async ({ ctx, next }) => {
  const principal = await identify(ctx.services, ctx.bearerToken);
  return next({ ctx: { principal } });
});

/** Requires one of `roles` — as the session state says now, not as the token said at issue. */
export function requireRole(...roles: Role[]) {
  return authedProcedure.use(async ({ ctx, next }) => {
    if (!roles.includes(ctx.principal.role)) {
      throw new AppError('FORBIDDEN', 'You are not allowed to do this');
    }
    return next();
  });
}

/**
 * Public, but knows the caller (a person or an API key) when a valid token is sent (what a caller may see depends on it);
 * without one, an anonymous read.
 */
export const maybeAuthedProcedure = observedProcedure
  .use(async ({ ctx, next }) => {
    const principal = ctx.bearerToken ? await identify(ctx.services, ctx.bearerToken) : null;
    return next({ ctx: { principal } });
  })
  .use(limitAnonymousReads);
