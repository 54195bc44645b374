/**
 * The logging surface modules and procedures use: pino-compatible, but not pino's type, so the
 * tRPC context (part of `AppRouter`, hence of the SDK's declarations) names no library type.
 */
export interface RequestLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
