/**
 * Error codes that mean "Postgres is not reachable right now" rather than "this statement is
 * wrong": socket errors, the connection-exception class (08) and the operator-intervention
 * codes of a shutdown or start-up (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot
 * connect now), and 53300 too many connections: the server (or a role's limit) is full for
 * now, and clears as other clients leave — a 503 to retry, not a 500.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  '53300',
  '57P01',
  '57P02',
  '57P03',
]);

/** What pg says when a connection died under a query, or could not be made in time. */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|the database system is (starting up|shutting down)/;

/**
 * True when an error means the database is away (restarting, stopped, unreachable): the same
 * work will succeed once it is back, so a caller waits and tries again rather than count it as
 * a failure of the work itself.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 4) return false;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) {
    return true;
  }
  if (UNAVAILABLE_MESSAGE.test(error.message)) return true;
  // Node reports a refused dual-stack connect as an AggregateError of both attempts.
  if (
    error instanceof AggregateError &&
    error.errors.some((e) => isDatabaseUnavailable(e, depth + 1))
  ) {
    return true;
  }
  return isDatabaseUnavailable(error.cause, depth + 1);
}
