import { initTRPC } from '@trpc/server';
import { toPublicError } from '../errors/error-mapping.js';
import type { Context } from './context.js';
import type { ProcedureMeta } from './procedure-meta.js';

export const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    // Never send a stack, SQL or a secret, whatever NODE_ENV says: the shape is rebuilt from
    // scratch rather than filtered.
    errorFormatter({ shape, error, ctx }) {
      const pub = toPublicError(error);
      return {
        code: shape.code,
        message: pub.message,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          appCode: pub.appCode,
          requestId: ctx?.requestId ?? null,
          ...(pub.details && { details: pub.details }),
          ...(pub.zodIssues && { zodIssues: pub.zodIssues }),
        },
      };
    },
    sse: {
      ping: { enabled: true, intervalMs: 15_000 },
      client: { reconnectAfterInactivityMs: 30_000 },
    },
  });
