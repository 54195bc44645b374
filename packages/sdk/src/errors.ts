import type { AppRouter } from '@evently/api';
import type { AppCode } from '@evently/contracts';
import { TRPCClientError } from '@trpc/client';
import { REQUEST_ID_HEADER } from './request-id.js';

/** Marks SDK errors across copies of the SDK (ESM and CJS builds loaded side by side). */
const BRAND = Symbol.for('evently.sdk.error');

/** One problem with the input of a VALIDATION_FAILED call (zod's issue, as the server sent it). */
export interface EventlyIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

type ServerError = TRPCClientError<AppRouter>;

/**
 * An error the API answered: its `appCode` (the contract's enum), the `requestId` of the HTTP
 * request, and what the code carries (`retryAfterSeconds` for RATE_LIMITED, `issues` for
 * VALIDATION_FAILED). Still a `TRPCClientError`, so `err.data` and `err.shape` work as in tRPC.
 * Network failures are plain `TRPCClientError`s without an `appCode`. Narrow with
 * `isEventlyError(err, code)`.
 */
export class EventlyError<C extends AppCode = AppCode> extends TRPCClientError<AppRouter> {
  readonly appCode: C;
  /** The request's X-Request-Id (sent by the SDK or by you, echoed by the server): quote it. */
  readonly requestId: string | undefined;
  /** Seconds to wait before trying again; always set for RATE_LIMITED. */
  readonly retryAfterSeconds: C extends 'RATE_LIMITED' ? number : number | undefined;
  /** Structured extras the server attached to the error. */
  readonly details: Readonly<Record<string, unknown>> | undefined;
  /** For VALIDATION_FAILED: which fields were wrong and why. */
  readonly issues: readonly EventlyIssue[] | undefined;
  readonly httpStatus: number | undefined;

  /** @internal The SDK builds these from the server's answer. */
  constructor(source: ServerError, appCode: C, fallbackRequestId?: string) {
    super(source.message, {
      ...(source.shape && { result: { error: source.shape } }),
      ...(source.cause && { cause: source.cause }),
      ...(source.meta && { meta: source.meta }),
    });
    // TRPCClientError's constructor pins its own prototype; restore the subclass's.
    Object.setPrototypeOf(this, new.target.prototype);
    Object.defineProperty(this, BRAND, { value: true });
    this.name = 'EventlyError';
    if (source.stack) this.stack = source.stack;
    const data = source.data;
    this.appCode = appCode;
    this.requestId =
      data?.requestId ?? responseHeader(source.meta, REQUEST_ID_HEADER) ?? fallbackRequestId;
    this.details = data?.details;
    this.issues = data?.zodIssues?.map((issue) => ({
      code: issue.code,
      path: issue.path,
      message: issue.message,
    }));
    this.httpStatus = data?.httpStatus;
    this.retryAfterSeconds = retryAfter(appCode, data?.details, source.meta) as never;
  }
}

/** Whether `error` is an API error (any code). */
export function isEventlyError(error: unknown): error is EventlyError;
/** Whether `error` is an API error with this `appCode`; narrows `err.appCode` to it. */
export function isEventlyError<C extends AppCode>(
  error: unknown,
  code: C,
): error is EventlyError<C>;
export function isEventlyError(error: unknown, code?: AppCode): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if (!(error instanceof EventlyError) && (error as { [BRAND]?: unknown })[BRAND] !== true) {
    return false;
  }
  return code === undefined || (error as EventlyError).appCode === code;
}

/** The server's `appCode` on any client error, typed or not. */
export function appCodeOf(error: unknown): AppCode | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data: unknown = error.data;
  if (typeof data !== 'object' || data === null) return undefined;
  const code = (data as { appCode?: unknown }).appCode;
  return typeof code === 'string' ? (code as AppCode) : undefined;
}

/** An API error becomes an EventlyError; anything else (network, abort) stays as it is. */
export function toEventlyError(error: ServerError, fallbackRequestId?: string): ServerError {
  if (isEventlyError(error)) return error;
  const code = appCodeOf(error);
  return code ? new EventlyError(error, code, fallbackRequestId) : error;
}

/**
 * The request never got a tRPC answer because the network failed (fetch rejects with a
 * TypeError). Aborts and unparsable answers are not this.
 */
export function isNetworkError(error: unknown): boolean {
  if (!(error instanceof TRPCClientError) || error.data) return false;
  return error.cause instanceof TypeError;
}

function responseHeader(meta: Record<string, unknown> | undefined, name: string) {
  const response = meta?.response as { headers?: { get?: (name: string) => string | null } };
  const value = response?.headers?.get?.(name);
  return value ?? undefined;
}

function retryAfter(
  code: AppCode,
  details: Record<string, unknown> | undefined,
  meta: Record<string, unknown> | undefined,
): number | undefined {
  const sent = details?.retryAfterSeconds;
  if (typeof sent === 'number' && Number.isFinite(sent)) return sent;
  const header = Number(responseHeader(meta, 'retry-after'));
  if (Number.isFinite(header) && header > 0) return header;
  // RATE_LIMITED always promises a number; one second is the least a polite client waits.
  return code === 'RATE_LIMITED' ? 1 : undefined;
}
