import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { AppCode } from '@evently/contracts';
import { type TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Answers the HTTP layer makes itself (oversize body, URL or headers, a content type nobody
 * parses, an unknown route, malformed HTTP) in the shape tRPC gives its errors, so a client reads
 * `error.data.appCode` whoever refused. The message is fixed per status: nothing of the request
 * (URL, header, body) is ever echoed or logged.
 */

const TRPC_KEY_BY_STATUS: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  408: 'TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  503: 'SERVICE_UNAVAILABLE',
};

/** Every other 4xx is bad input (VALIDATION_FAILED); every other 5xx INTERNAL. */
const APP_CODE_BY_STATUS: Record<number, AppCode> = {
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  503: 'SERVICE_UNAVAILABLE',
};

const MESSAGE_BY_STATUS: Record<number, string> = {
  400: 'The request is malformed',
  401: 'Authentication required',
  403: 'Not allowed',
  404: 'Not found',
  405: 'Method not allowed',
  408: 'The request took too long to arrive',
  413: 'The request body is too large',
  414: 'The URL is too long',
  415: 'Unsupported content type: send application/json',
  431: 'The request headers are too large',
  503: 'The server is shutting down; retry shortly',
};

export interface ErrorEnvelope {
  error: {
    code: number;
    message: string;
    data: {
      code: TRPC_ERROR_CODE_KEY;
      httpStatus: number;
      appCode: AppCode;
      requestId: string | null;
    };
  };
}

/** What a refusal of the HTTP layer with `status` says, whichever shape carries it (tRPC, REST). */
export interface HttpRefusal {
  key: TRPC_ERROR_CODE_KEY;
  appCode: AppCode;
  /** A fixed text, never the request's. */
  message: string;
}

export function httpRefusal(status: number, message?: string): HttpRefusal {
  const server = status >= 500;
  return {
    key: TRPC_KEY_BY_STATUS[status] ?? (server ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST'),
    appCode: APP_CODE_BY_STATUS[status] ?? (server ? 'INTERNAL' : 'VALIDATION_FAILED'),
    message:
      message ?? MESSAGE_BY_STATUS[status] ?? (server ? 'Internal server error' : 'Bad request'),
  };
}

/** The tRPC-shaped error body for `status` (`message`: a fixed text, never the request's). */
export function errorEnvelope(
  status: number,
  requestId: string | null,
  message?: string,
): ErrorEnvelope {
  const { key, appCode, message: text } = httpRefusal(status, message);
  return {
    error: {
      code: TRPC_ERROR_CODES_BY_KEY[key],
      message: text,
      data: { code: key, httpStatus: status, appCode, requestId },
    },
  };
}

function send(reply: FastifyReply, request: FastifyRequest, status: number): FastifyReply {
  return reply.code(status).type('application/json').send(errorEnvelope(status, request.id));
}

/** The status of an error of a route, hook or body parsing, logged (the REST routes share it). */
export function httpErrorStatus(error: FastifyError, request: FastifyRequest): number {
  const status =
    typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600
      ? error.statusCode
      : 500;
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  // Fastify's codes are fixed strings; its messages may quote a header.
  else request.log.info({ code: error.code, status }, 'request refused');
  return status;
}

/** Errors of routes, hooks and body parsing (413, 415, a bad Content-Length, a crashed route). */
export function httpErrorHandler(
  this: FastifyInstance,
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  return send(reply, request, httpErrorStatus(error, request));
}

/** Fastify's `frameworkErrors`: a URL that does not decode, or a path over maxParamLength (414). */
export function frameworkErrors(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
  request.log.info({ code: error.code, status }, 'request refused');
  send(reply, request, status);
}

/** Unknown routes: NOT_FOUND without echoing the URL. */
export function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return send(reply, request, 404);
}

/**
 * Node's `clientError`: HTTP that never became a request (headers over the limit: 431, a
 * request-line Node cannot parse: 400, too slow: 408). Logs the parser's code only — the error
 * carries the raw bytes received, Authorization header included.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 431
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 408
        : 400;
  this.log.info({ code: error.code, status }, 'client error');
  if (!socket.writable) return;
  const body = JSON.stringify(errorEnvelope(status, null));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
