import type { AnyTRPCProcedure, AnyTRPCRouter } from '@trpc/server';
import { getTRPCErrorFromUnknown } from '@trpc/server/unstable-core-do-not-import';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Context } from '../trpc/context.js';
import { httpErrorStatus } from './error-answers.js';
import { restErrorOf, restRefusalOf, sendRestError } from './rest-errors.js';
import { fromBody, fromUrl, type InputFields, inputFieldsOf } from './rest-input.js';

/** What a procedure's `.meta(rest(…))` holds (trpc/procedure-meta.ts), read back at start-up. */
const routeMetaSchema = z.object({
  openapi: z.object({
    method: z.enum(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']),
    path: z.string().regex(/^\//),
    optionalAuth: z.literal(true).optional(),
  }),
});

export interface RestRoute {
  /** The procedure's path in the router (`bookings.create`). */
  path: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** The REST path under the prefix, as the document has it: `/bookings/{bookingId}/cancel`. */
  restPath: string;
  /** Fastify's form of it: `/bookings/:bookingId/cancel`. */
  url: string;
  /** A token is optional (and changes what the caller sees). */
  optionalAuth: boolean;
  procedure: AnyTRPCProcedure;
  fields: InputFields;
}

/** The procedures with a REST route, subscriptions apart (SSE stays tRPC's). */
export function restRoutesOf(router: AnyTRPCRouter): RestRoute[] {
  const routes: RestRoute[] = [];
  const procedures: Record<string, AnyTRPCProcedure> = router._def.procedures;
  for (const [path, procedure] of Object.entries(procedures)) {
    const meta = routeMetaSchema.safeParse(procedure._def.meta);
    if (!meta.success || procedure._def.type === 'subscription') continue;
    const { method, path: restPath, optionalAuth } = meta.data.openapi;
    routes.push({
      path,
      method,
      restPath,
      url: restPath.replace(/\{([^}]+)\}/g, ':$1'),
      optionalAuth: optionalAuth === true,
      procedure,
      fields: inputFieldsOf(procedure._def.inputs),
    });
  }
  return routes;
}

export interface RestRouteOptions {
  /** Where the routes live: `/api/v1`. */
  prefix: string;
  router: AnyTRPCRouter;
  /** The tRPC route's: the same principal, limits, log and request id. */
  createContext(req: FastifyRequest): Context;
}

/** The input a request gives a procedure: its body or query string, and its path's values. */
function inputOf(req: FastifyRequest, route: RestRoute): unknown {
  const { fields } = route;
  if (fields === null) return undefined;
  const params = fromUrl(req.params as Record<string, string>, fields);
  const carried =
    route.method === 'GET' || route.method === 'DELETE'
      ? fromUrl(req.query as Record<string, string | string[]>, fields)
      : fromBody(req.body);
  // The path names the resource: a body field of the same name does not override it.
  return { ...carried, ...params };
}

/**
 * The REST surface: each procedure with a REST route answers at `<prefix><path>` by being called
 * as the tRPC route calls it (trpc-plain-call.ts) — its middlewares (authentication, limits, the
 * error mapping, metrics), input and output schemas — with its input taken from the path, the
 * query string (GET, DELETE) or the JSON body, and its answer sent as plain JSON. Errors, the HTTP
 * layer's own included (unknown route, body too large, wrong content type), answer the REST error
 * body (rest-errors.ts).
 *
 * Routes of our own rather than trpc-to-openapi's adapter, which writes the OpenAPI document
 * (openapi-document.ts) from the same meta: its adapter answers errors in a shape of its own,
 * sets zod's `coerce` on the shared contract schemas (the tRPC route would then accept "5" for 5
 * and read "false" as true), parses bodies itself and builds a caller per request.
 */
export async function registerRestRoutes(
  app: FastifyInstance,
  options: RestRouteOptions,
): Promise<RestRoute[]> {
  const routes = restRoutesOf(options.router);
  await app.register(
    async (scope) => {
      scope.setNotFoundHandler((req, reply) => sendRestError(reply, restRefusalOf(404, req.id)));
      scope.setErrorHandler<FastifyError>((error, req, reply) =>
        sendRestError(reply, restRefusalOf(httpErrorStatus(error, req), req.id)),
      );
      for (const route of routes) {
        scope.route({
          method: route.method,
          url: route.url,
          handler: (req, reply) => answer(req, reply, route, options),
        });
      }
    },
    { prefix: options.prefix },
  );
  return routes;
}

async function answer(
  req: FastifyRequest,
  reply: FastifyReply,
  route: RestRoute,
  options: RestRouteOptions,
): Promise<FastifyReply> {
  try {
    const input = inputOf(req, route);
    const data: unknown = await route.procedure({
      path: route.path,
      getRawInput: async () => input,
      ctx: options.createContext(req),
      type: route.procedure._def.type,
      signal: undefined,
      batchIndex: 0,
    });
    return reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(data));
  } catch (cause) {
    return sendRestError(reply, restErrorOf(getTRPCErrorFromUnknown(cause), req.id));
  }
}
