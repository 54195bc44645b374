import type { FastifyBaseLogger, FastifyRequest } from 'fastify';

/** A batch path names up to 50 procedures; anything longer is cut (a 414 may be 16 KB). */
const MAX_LOGGED_PATH = 1_024;

/**
 * The path of a request URL, without its query: a GET's `?input=` carries what the caller typed
 * (emails, search terms, ids of what they look at) and has no place in logs.
 */
export function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  const path = end === -1 ? url : url.slice(0, end);
  return path.length > MAX_LOGGED_PATH ? `${path.slice(0, MAX_LOGGED_PATH)}…` : path;
}

/** How a request appears on log lines (Fastify's `req` serializer logs the whole URL). */
function requestSummary(req: FastifyRequest) {
  return { method: req.method, path: pathOf(req.url), remoteAddress: req.ip };
}

/** The server's logger: request lines carry the path only. */
export function requestLogger(log: FastifyBaseLogger): FastifyBaseLogger {
  return log.child({}, { serializers: { req: requestSummary } });
}
