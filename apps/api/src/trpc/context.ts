import type { RequestLog } from '../kernel/log.js';
import type { ProcedureMetrics } from '../kernel/metrics.js';
import type { Principal } from '../kernel/principal.js';
import type { Services } from '../services.js';

/**
 * Everything a procedure may see. Declared with our own small interfaces only: this type is part
 * of `AppRouter`, and any Kysely/ioredis/Fastify type here would leak into the SDK's declarations.
 */
export interface Context {
  requestId: string;
  /** Client address: the socket's, or from X-Forwarded-For only through trusted proxies. */
  ip: string;
  userAgent: string | null;
  /** The raw bearer token, if any; the auth module turns it into a principal. */
  bearerToken: string | null;
  principal: Principal | null;
  log: RequestLog;
  metrics: ProcedureMetrics;
  services: Services;
}
