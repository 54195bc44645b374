import type { AppCode } from '@evently/contracts';
import type { AnyTRPCRouter } from '@trpc/server';
import { incomingMessageToRequest } from '@trpc/server/adapters/node-http';
import { resolveResponse } from '@trpc/server/http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../trpc/context.js';
import { errorEnvelope } from './error-answers.js';
import { answerFromMemory, type KeptAnswers } from './kept-answers.js';
import { answerPlainCalls, PLAIN_ANSWER_HEADERS, plainCallsOf } from './trpc-plain-call.js';

export interface TrpcRouteOptions {
  prefix: string;
  router: AnyTRPCRouter;
  maxBatchSize: number;
  createContext(req: FastifyRequest): Context;
  /**
   * Plain JSON calls skip tRPC's Fetch adapter (trpc-plain-call.ts); default true. False sends
   * everything through tRPC's own handler (the tests compare the two).
   */
  plainCallsDirect?: boolean;
  /**
   * Anonymous plain queries answered from memory while their kept answers are fresh
   * (kept-answers.ts); still counted against the network's read budget, and timed.
   */
  kept?: KeptAnswers;
  /**
   * Procedures whose request body may pass Fastify's 1 MiB (a seating plan of 100,000 seats),
   * called alone (a batch naming them with others keeps 1 MiB). A POST there without a bearer
   * token is refused (UNAUTHENTICATED) before its body is read.
   */
  largeBodies?: Readonly<Record<string, number>>;
  /**
   * Why a bearer token is refused (undefined: it names a live session), asked before a large
   * body is read: a made-up token must not make the server take in megabytes either. The answer
   * is the one the procedure would give (`TOKEN_EXPIRED` makes the SDK refresh and retry).
   * Default: any token is admitted.
   */
  refusal?: (bearerToken: string) => Promise<{ appCode: AppCode; message: string } | undefined>;
}

/**
 * tRPC over HTTP at `<prefix>/:path`: what `fastifyTRPCPlugin` does, with one difference — an
 * answer tRPC does not stream is sent whole (Content-Length, one socket write) instead of being
 * piped from the Response's stream in chunks, and plain JSON calls (one or a batch, no stream)
 * are run without building Fetch `Request`/`Response` objects around them (trpc-plain-call.ts).
 * Streams stay streams: SSE subscriptions and JSONL batches (`trpc-accept: application/jsonl`).
 * Under a flash sale every booking is one small JSON call, and the adapter's machinery cost
 * about as much CPU as the booking.
 */
export function registerTrpcRoute(app: FastifyInstance, options: TrpcRouteOptions): void {
  // tRPC parses bodies itself (it needs them raw for batches): Fastify hands JSON over as text.
  // Every other content type (text/plain included) is refused by Fastify with a typed 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    done(null, body);
  });

  const direct = options.plainCallsDirect ?? true;
  const kept = direct ? options.kept : undefined;
  const handle = async (req: FastifyRequest, reply: FastifyReply, path: string) => {
    let parsed: URLSearchParams | undefined;
    const query = () => {
      parsed ??= new URLSearchParams(req.url.slice(req.url.indexOf('?') + 1 || req.url.length));
      return parsed;
    };
    const fromMemory = kept
      ? await answerFromMemory(req, reply, {
          query,
          path,
          kept,
          maxBatchSize: options.maxBatchSize,
        })
      : undefined;
    if (fromMemory?.sent) return reply;
    const plain =
      direct &&
      (await plainCallsOf(
        options.router,
        {
          method: req.method,
          query: query(),
          body: typeof req.body === 'string' ? req.body : undefined,
          header: (name) => {
            const value = req.headers[name];
            return Array.isArray(value) ? value.join(', ') : value;
          },
        },
        path,
        options.maxBatchSize,
      ));
    if (plain) {
      const answer = await answerPlainCalls(
        options.router,
        plain.calls,
        plain.batch,
        options.createContext(req),
      );
      fromMemory?.keep(answer);
      return reply.status(answer.status).headers(PLAIN_ANSWER_HEADERS).send(answer.body);
    }
    const incoming: typeof req.raw & { body?: unknown } = req.raw;
    if (req.body !== undefined) incoming.body = req.body;
    const response = await resolveResponse({
      router: options.router,
      req: incomingMessageToRequest(incoming, reply.raw, { maxBodySize: null }),
      path,
      error: null,
      maxBatchSize: options.maxBatchSize,
      createContext: async () => options.createContext(req),
    });
    reply.status(response.status);
    // tRPC marks its streams (JSONL) with Transfer-Encoding; SSE by its content type.
    const streamed =
      response.headers.get('transfer-encoding') === 'chunked' ||
      response.headers.get('content-type')?.startsWith('text/event-stream') === true;
    for (const [name, value] of response.headers) {
      // Framing is Node's to choose: a copied Transfer-Encoding beside the Content-Length of a
      // whole answer is invalid HTTP/1.1 (a request-smuggling hazard behind proxies).
      if (name === 'transfer-encoding' || name === 'content-length') continue;
      reply.header(name, value);
    }
    if (!streamed) return reply.send(await response.text());
    return reply.send(response.body);
  };
  app.all<{ Params: { path: string } }>(`${options.prefix}/:path`, (req, reply) =>
    handle(req, reply, req.params.path),
  );
  // A static route wins over the parametric one above for exactly this path.
  for (const [path, bodyLimit] of Object.entries(options.largeBodies ?? {})) {
    app.all(
      `${options.prefix}/${path}`,
      {
        bodyLimit,
        // Before the body is read: nobody anonymous makes the server take in megabytes.
        onRequest: async (req, reply) => {
          if (req.method !== 'POST') return;
          const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
          const refused = token ? await options.refusal?.(token) : undefined;
          if (token && !refused) return;
          const envelope = errorEnvelope(401, req.id, refused?.message);
          if (refused) envelope.error.data.appCode = refused.appCode;
          return reply.code(401).type('application/json').send(envelope);
        },
      },
      (req, reply) => handle(req, reply, path),
    );
  }
}
