import type { AppCode } from '@evently/contracts';
import { isDatabaseUnavailable } from '@evently/db';
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { ZodError, type z } from 'zod';
import { AppError } from '../kernel/app-error.js';

/** The one place where domain error codes meet tRPC (and so HTTP) codes. */
export const trpcCodeFor: Record<AppCode, TRPC_ERROR_CODE_KEY> = {
  VALIDATION_FAILED: 'BAD_REQUEST',
  UNAUTHENTICATED: 'UNAUTHORIZED',
  TOKEN_EXPIRED: 'UNAUTHORIZED',
  SESSION_REVOKED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  INVALID_CREDENTIALS: 'UNAUTHORIZED',
  EMAIL_NOT_VERIFIED: 'FORBIDDEN',
  ACCOUNT_DISABLED: 'FORBIDDEN',
  OTP_INVALID: 'BAD_REQUEST',
  OTP_EXPIRED: 'BAD_REQUEST',
  OTP_ATTEMPTS_EXCEEDED: 'TOO_MANY_REQUESTS',
  REFRESH_TOKEN_REUSED: 'UNAUTHORIZED',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  EVENT_NOT_BOOKABLE: 'PRECONDITION_FAILED',
  SOLD_OUT: 'CONFLICT',
  QUANTITY_LIMIT_EXCEEDED: 'BAD_REQUEST',
  BOOKING_EXPIRED: 'PRECONDITION_FAILED',
  INVALID_STATE: 'PRECONDITION_FAILED',
  VERSION_CONFLICT: 'CONFLICT',
  CAPACITY_BELOW_BOOKED: 'CONFLICT',
  IDEMPOTENCY_KEY_REUSED: 'UNPROCESSABLE_CONTENT',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
  LAST_OWNER: 'PRECONDITION_FAILED',
  TICKET_TYPE_NOT_AVAILABLE: 'PRECONDITION_FAILED',
  VOUCHER_INVALID: 'UNPROCESSABLE_CONTENT',
  VOUCHER_EXHAUSTED: 'CONFLICT',
  PAYMENT_REQUIRED: 'PAYMENT_REQUIRED',
  PAYMENT_MISMATCH: 'UNPROCESSABLE_CONTENT',
  CANCELLATION_CLOSED: 'PRECONDITION_FAILED',
  SEAT_UNAVAILABLE: 'CONFLICT',
  SEATS_NOT_TOGETHER: 'CONFLICT',
  WEBHOOK_URL_REFUSED: 'UNPROCESSABLE_CONTENT',
  API_KEY_REVOKED: 'UNAUTHORIZED',
  SCOPE_MISSING: 'FORBIDDEN',
};

/** What a client may learn about any thrown error. */
export interface PublicError {
  appCode: AppCode;
  message: string;
  details?: Record<string, unknown>;
  zodIssues?: z.core.$ZodIssue[];
}

/**
 * The client errors tRPC raises itself while reading a request (malformed JSON, input that fails
 * its schema, an oversize batch, an unknown procedure, a wrong method or content type) — never
 * our code, whose refusals are AppErrors. With a cause, the cause's text may quote the input
 * (JSON.parse quotes the body it chokes on): such answers get the fixed message instead.
 */
const CLIENT_TRPC_CODES: Partial<Record<TRPC_ERROR_CODE_KEY, [AppCode, string]>> = {
  BAD_REQUEST: ['VALIDATION_FAILED', 'Input is not valid JSON or not a valid call'],
  PARSE_ERROR: ['VALIDATION_FAILED', 'Input is not valid JSON'],
  UNAUTHORIZED: ['UNAUTHENTICATED', 'Authentication required'],
  FORBIDDEN: ['FORBIDDEN', 'You are not allowed to do this'],
  NOT_FOUND: ['NOT_FOUND', 'No such procedure'],
  METHOD_NOT_SUPPORTED: ['VALIDATION_FAILED', 'Wrong HTTP method for this procedure'],
  PAYLOAD_TOO_LARGE: ['VALIDATION_FAILED', 'The request body is too large'],
  UNSUPPORTED_MEDIA_TYPE: ['VALIDATION_FAILED', 'Unsupported content type: send application/json'],
  TOO_MANY_REQUESTS: ['RATE_LIMITED', 'Too many requests'],
};

/**
 * Classifies an error. Anything we did not throw on purpose becomes INTERNAL with a generic
 * message: driver errors carry SQL and connection strings.
 */
export function toPublicError(error: TRPCError): PublicError {
  const cause = error.cause;
  if (cause instanceof AppError) {
    return {
      appCode: cause.appCode,
      message: cause.message,
      ...(cause.details && { details: cause.details }),
      ...(cause.issues && { zodIssues: cause.issues }),
    };
  }
  if (isUnavailable(cause)) {
    return {
      appCode: 'SERVICE_UNAVAILABLE',
      message: 'A dependency is unavailable; retry shortly',
    };
  }
  const client = CLIENT_TRPC_CODES[error.code];
  if (client) {
    // Input that failed its procedure's schema. (A ZodError on a 500 — a row or an output that
    // failed its schema — is our bug: INTERNAL below, and logged.)
    if (cause instanceof ZodError) {
      return { appCode: 'VALIDATION_FAILED', message: 'Input is invalid', zodIssues: cause.issues };
    }
    const [appCode, fixedMessage] = client;
    return { appCode, message: cause ? fixedMessage : error.message };
  }
  return { appCode: 'INTERNAL', message: 'Internal server error' };
}

/**
 * Errors that mean "Redis or Postgres is not reachable right now": Postgres away or full (the
 * database package's one list), Redis away (ioredis' messages), no lock to be had in time.
 */
function isUnavailable(cause: unknown): boolean {
  if (!(cause instanceof Error)) return false;
  return (
    isDatabaseUnavailable(cause) ||
    /Stream isn't writeable|Connection is closed/.test(cause.message) ||
    cause.name === 'LockUnavailableError'
  );
}

/** Wraps a domain error so tRPC answers with the mapped code; used by the error middleware. */
export function toTrpcError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  if (error instanceof AppError) {
    return new TRPCError({
      code: trpcCodeFor[error.appCode],
      message: error.message,
      cause: error,
    });
  }
  const unavailable = isUnavailable(error);
  return new TRPCError({
    code: unavailable ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_SERVER_ERROR',
    message: unavailable ? 'A dependency is unavailable; retry shortly' : 'Internal server error',
    cause: error instanceof Error ? error : undefined,
  });
}
