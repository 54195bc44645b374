import { AppError } from '../errors/app-error.js';
import { toPublicError, toTrpcError } from '../errors/error-mapping.js';
import { t } from './init.js';

export const router = t.router;
export const middleware = t.middleware;

/**
 * Turns a domain error into the tRPC error of its mapped code (so the HTTP status is right);
 * everything else is left to the formatter, which hides it. Also times every call by outcome.
 */
const observed = t.middleware(async ({ ctx, path, type, next }) => {
  const started = performance.now();
  const result = await next();
  const error =
    !result.ok && result.error.cause instanceof AppError
      ? toTrpcError(result.error.cause)
      : result.ok
        ? null
        : result.error;
  const outcome = error ? toPublicError(error).appCode : 'ok';
  ctx.metrics.observe(path, type, outcome, (performance.now() - started) / 1000);
  if (error && outcome === 'INTERNAL')
    ctx.log.error({ err: error.cause ?? error, path }, 'procedure failed');
  if (error) throw error;
  return result;
});

export const publicProcedure = t.procedure.use(observed);
