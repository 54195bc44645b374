import type { Principal } from '../kernel/principal.js';
import type { Services } from '../services.js';

// Modules import it from the kernel; re-exported so the tRPC layer's importers keep working.
export type { Principal } from '../kernel/principal.js';

/** The logging surface procedures use (pino-compatible, but not pino's type). */
export interface RequestLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Records one procedure call; the server backs it with prom-client. */
export interface ProcedureMetrics {
  observe(procedure: string, type: string, outcome: string, seconds: number): void;
}

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
