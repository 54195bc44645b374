/** The log surface the cache needs (pino's Logger and the API's RequestLog both fit). */
export interface WarnLog {
  warn(obj: object, msg?: string): void;
}

/**
 * At most one line per `intervalMs` for a recurring failure (Redis down means every request
 * fails the same way); the next line says how many were left out.
 */
export function throttledWarning(
  log: WarnLog,
  message: string,
  intervalMs = 10_000,
): (fields: Record<string, unknown>) => void {
  let last = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (fields) => {
    const now = Date.now();
    if (now - last < intervalMs) {
      suppressed += 1;
      return;
    }
    last = now;
    log.warn({ ...fields, suppressed }, message);
    suppressed = 0;
  };
}
