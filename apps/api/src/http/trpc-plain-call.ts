import type { AnyTRPCProcedure, AnyTRPCRouter, TRPCError } from '@trpc/server';
import {
  getErrorShape,
  getHTTPStatusCode,
  getProcedureAtPath,
  getTRPCErrorFromUnknown,
  transformTRPCResponse,
} from '@trpc/server/unstable-core-do-not-import';

/** What an HTTP request looks like to the plain-call path. */
export interface PlainRequest {
  method: string;
  /** The query string's parameters. */
  query: URLSearchParams;
  /** The body as text (JSON bodies only; undefined without one). */
  body: string | undefined;
  header(name: string): string | undefined;
}

interface PlainCall {
  path: string;
  procedure: AnyTRPCProcedure;
  input: unknown;
}

export interface PlainAnswer {
  status: number;
  body: string;
  /** Each call's own envelope as JSON (a batch's body is them in an array) and if it succeeded. */
  parts: { json: string; ok: boolean }[];
}

/** The headers tRPC's own handler sets on every JSON answer. */
export const PLAIN_ANSWER_HEADERS = {
  vary: 'trpc-accept, accept',
  'content-type': 'application/json',
} as const;

/**
 * Whether a request's method and headers make it a plain JSON call (query by GET, mutation by
 * POST with a JSON body; no stream asked for), and of which type; undefined otherwise.
 */
export function plainCallType(
  method: string,
  header: PlainRequest['header'],
): 'query' | 'mutation' | undefined {
  const type = method === 'GET' ? 'query' : method === 'POST' ? 'mutation' : undefined;
  if (!type) return undefined;
  if (header('trpc-accept') !== undefined) return undefined;
  if (header('accept')?.includes('application/jsonl')) return undefined;
  const contentType = header('content-type')?.split(';', 1)[0]?.trim();
  if (type === 'mutation' ? contentType !== 'application/json' : contentType !== undefined) {
    return undefined;
  }
  return type;
}

/**
 * The calls of a request that is a plain JSON call — queries by GET or mutations by POST, one or
 * a batch (`?batch=1`), JSON in and out, no stream, every procedure found and called by its own
 * method — or null for anything else, which tRPC's own handler answers (SSE, JSONL batches,
 * wrong methods, unknown paths, malformed JSON, oversized batches: each with its own error).
 */
export async function plainCallsOf(
  router: AnyTRPCRouter,
  request: PlainRequest,
  urlPath: string,
  maxBatchSize: number,
): Promise<{ calls: PlainCall[]; batch: boolean } | null> {
  const type = plainCallType(request.method, request.header);
  if (!type || (router._def._config.pathSeparator ?? '.') !== '.') return null;
  let path: string;
  let inputs: unknown;
  try {
    path = decodeURIComponent(urlPath);
    const raw = type === 'query' ? (request.query.get('input') ?? undefined) : request.body;
    inputs = raw ? JSON.parse(raw) : undefined;
  } catch {
    return null;
  }
  const batch = request.query.get('batch') === '1';
  const paths = batch ? path.split(',') : [path];
  if (paths.length > maxBatchSize) return null;
  if (batch && inputs !== undefined && (typeof inputs !== 'object' || inputs === null)) {
    return null;
  }
  const calls: PlainCall[] = [];
  for (const [index, callPath] of paths.entries()) {
    const procedure = await getProcedureAtPath(router, callPath);
    if (!procedure || procedure._def.type !== type) return null;
    const input = batch ? (inputs as Record<number, unknown> | undefined)?.[index] : inputs;
    calls.push({ path: callPath, procedure, input });
  }
  return { calls, batch };
}

/**
 * Runs plain calls as tRPC's handler would — the same procedures, middlewares, validation, error
 * shapes, status codes and body — without the Fetch `Request`/`Response`, `Headers`, `URL` and
 * abort signals it builds around every call: on a small JSON call those cost about as much CPU
 * as the procedure itself (docs/performance.md).
 */
export async function answerPlainCalls<TContext>(
  router: AnyTRPCRouter,
  calls: readonly PlainCall[],
  batch: boolean,
  ctx: TContext,
): Promise<PlainAnswer> {
  const config = router._def._config;
  const settled = await Promise.all(
    calls.map(async (call, batchIndex) => {
      const type = call.procedure._def.type;
      try {
        const data: unknown = await call.procedure({
          path: call.path,
          getRawInput: async () => call.input,
          ctx,
          type,
          signal: undefined,
          batchIndex,
        });
        return { envelope: { result: { data } }, error: undefined };
      } catch (cause) {
        const error: TRPCError = getTRPCErrorFromUnknown(cause);
        const shape = getErrorShape({
          config,
          ctx,
          error,
          input: call.input,
          path: call.path,
          type,
        });
        return { envelope: { error: shape }, error };
      }
    }),
  );
  const envelopes = settled.map((s) => s.envelope);
  const status = getHTTPStatusCode(
    envelopes,
    settled.map((s) => s.error),
  );
  // An array's JSON is its items' JSON joined, and the transformer maps a batch item by item.
  const parts = settled.map((s) => ({
    json: JSON.stringify(transformTRPCResponse(config, s.envelope)),
    ok: s.error === undefined,
  }));
  const joined = parts.map((part) => part.json);
  return { status, body: batch ? `[${joined.join(',')}]` : (joined[0] ?? '[]'), parts };
}
