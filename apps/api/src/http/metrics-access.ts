import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorEnvelope } from './error-answers.js';

/**
 * Who may read /metrics (queue depths, outbox lag, mail counts, procedure outcomes: what an
 * attacker would like to watch). With METRICS_TOKEN, a scraper sends `Authorization: Bearer
 * <token>` (Prometheus: `authorization.credentials_file`). Without it, /metrics is open only
 * outside production; in production it is closed (403) and start-up says so — an optional
 * monitoring setting never keeps the API from serving, and a scraper that gets 403 shows up as a
 * target down where metrics are watched.
 */
export type MetricsAccess =
  | { kind: 'token'; token: string }
  | { kind: 'open' }
  | { kind: 'closed' };

export function metricsAccessFor(env: {
  METRICS_TOKEN?: string | undefined;
  NODE_ENV: string;
}): MetricsAccess {
  if (env.METRICS_TOKEN) return { kind: 'token', token: env.METRICS_TOKEN };
  return env.NODE_ENV === 'production' ? { kind: 'closed' } : { kind: 'open' };
}

// Digests first: timingSafeEqual needs equal lengths, and a length must not leak either.
const digest = (text: string) => createHash('sha256').update(text).digest();

/** The route hook that enforces `access` (refusals in tRPC's error shape, typed). */
export function metricsGuard(access: MetricsAccess) {
  const expected = access.kind === 'token' ? digest(access.token) : undefined;
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (access.kind === 'open') return;
    if (!expected) {
      const closed = errorEnvelope(403, req.id, 'Metrics are off: the server has no METRICS_TOKEN');
      return reply.code(403).type('application/json').send(closed);
    }
    const given = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (given && timingSafeEqual(digest(given), expected)) return;
    const refused = errorEnvelope(401, req.id, 'Metrics need the bearer token');
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="metrics"')
      .type('application/json')
      .send(refused);
  };
}
