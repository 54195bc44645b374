import { optional, urlWithProtocols } from '@evently/platform';
import type { z } from 'zod';

/**
 * A streaming replica of DATABASE_URL for the public reads that tolerate lag (API only: the
 * worker decides things and reads nothing a replica could serve). Its pool is as large as
 * the primary's (DATABASE_POOL_SIZE).
 */
export const replicaEnvShape = {
  DATABASE_REPLICA_URL: optional(
    urlWithProtocols(['postgres:', 'postgresql:'], 'postgres://user:pass@replica-host:5432/db'),
  ),
};

/** A replica of what? Embedded PGlite has none. */
export function checkReplicaEnv(
  env: { DATABASE_URL?: string | undefined; DATABASE_REPLICA_URL?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (env.DATABASE_REPLICA_URL && !env.DATABASE_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['DATABASE_REPLICA_URL'],
      message: 'needs DATABASE_URL (a replica of the Postgres primary)',
    });
  }
}
