import { appCodeSchema } from '@evently/contracts';
import type { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { type TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { toPublicError } from '../errors/error-mapping.js';
import { httpRefusal } from './error-answers.js';

const trpcCodes = Object.keys(TRPC_ERROR_CODES_BY_KEY) as TRPC_ERROR_CODE_KEY[];

/**
 * The body of every REST error (API.md Part 2), described in the OpenAPI document as `Error`.
 * The same facts the tRPC error shape carries under `data`, without the JSON-RPC envelope.
 */
export const restErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(trpcCodes).meta({ description: "tRPC's error code, which sets the status" }),
      appCode: appCodeSchema,
      message: z.string(),
      issues: z
        .array(
          z
            .object({
              code: z.string(),
              path: z.array(z.union([z.string(), z.number()])),
              message: z.string(),
            })
            .loose(),
        )
        .optional()
        .meta({ description: 'The fields that failed validation (VALIDATION_FAILED)' }),
      details: z
        .record(z.string(), z.unknown())
        .optional()
        .meta({ description: 'Facts of the refusal, e.g. retryAfterSeconds of RATE_LIMITED' }),
      requestId: z.string(),
    }),
  })
  .meta({ description: 'An error: its status is the one its appCode maps to' });

export type RestErrorBody = z.output<typeof restErrorSchema>;

export interface RestError {
  status: number;
  body: RestErrorBody;
}

/**
 * A procedure's error as REST answers it: the status tRPC gives its code (which the error
 * middleware set from the appCode: errors/error-mapping.ts), the body from the classification the
 * tRPC error formatter uses (`toPublicError`), so both transports say the same.
 */
export function restErrorOf(error: TRPCError, requestId: string): RestError {
  const pub = toPublicError(error);
  return {
    status: getHTTPStatusCodeFromError(error),
    body: {
      error: {
        code: error.code,
        appCode: pub.appCode,
        message: pub.message,
        ...(pub.zodIssues && {
          // JSON has no symbol keys (zod's path type allows them).
          issues: pub.zodIssues.map((issue) => ({
            ...issue,
            path: issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key)),
          })),
        }),
        ...(pub.details && { details: pub.details }),
        requestId,
      },
    },
  };
}

/** A refusal of the HTTP layer (unknown route, body too large…) in the REST shape. */
export function restRefusalOf(status: number, requestId: string): RestError {
  const { key, appCode, message } = httpRefusal(status);
  return { status, body: { error: { code: key, appCode, message, requestId } } };
}

/** Sends it, with `Retry-After` on a 429 that says when, and the scheme a 401 wants. */
export function sendRestError(reply: FastifyReply, { status, body }: RestError): FastifyReply {
  const retryAfter = body.error.details?.retryAfterSeconds;
  if (status === 429 && typeof retryAfter === 'number') {
    reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
  }
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}
