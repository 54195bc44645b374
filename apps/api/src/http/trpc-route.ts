import type { AnyTRPCRouter } from '@trpc/server';
import { incomingMessageToRequest } from '@trpc/server/adapters/node-http';
import { resolveResponse } from '@trpc/server/http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Context } from '../trpc/context.js';

export interface TrpcRouteOptions {
  prefix: string;
  router: AnyTRPCRouter;
  maxBatchSize: number;
  createContext(req: FastifyRequest): Context;
}

/**
 * tRPC over HTTP at `<prefix>/:path`: what `fastifyTRPCPlugin` does, with one difference — a
 * plain JSON answer is sent whole (Content-Length, one socket write) instead of being piped from
 * the Response's stream in chunks. Streams stay streams: SSE subscriptions and JSONL batches.
 * Under a flash sale every booking is one small JSON answer, and the chunked path cost a
 * noticeable part of the API's CPU per booking.
 */
export function registerTrpcRoute(app: FastifyInstance, options: TrpcRouteOptions): void {
  // tRPC parses bodies itself (it needs them raw for batches): Fastify hands them over as text.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    done(null, body);
  });

  app.all<{ Params: { path: string } }>(`${options.prefix}/:path`, async (req, reply) => {
    const incoming: typeof req.raw & { body?: unknown } = req.raw;
    if (req.body !== undefined) incoming.body = req.body;
    const response = await resolveResponse({
      router: options.router,
      req: incomingMessageToRequest(incoming, reply.raw, { maxBodySize: null }),
      path: req.params.path,
      error: null,
      maxBatchSize: options.maxBatchSize,
      createContext: async () => options.createContext(req),
    });
    reply.status(response.status);
    for (const [name, value] of response.headers) reply.header(name, value);
    if (response.headers.get('content-type') === 'application/json') {
      return reply.send(await response.text());
    }
    return reply.send(response.body);
  });
}
