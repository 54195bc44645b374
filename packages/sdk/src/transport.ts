import type { AppRouter } from '@evently/api';
import {
  httpBatchLink,
  httpSubscriptionLink,
  type Operation,
  splitLink,
  type TRPCLink,
} from '@trpc/client';
import { recordSent, skipsAuth } from './op-context.js';
import { headerValue, REQUEST_ID_HEADER, randomId } from './request-id.js';
import type { EventSourceCtor, FetchInitLike, FetchLike, HeadersProvider } from './types.js';

/** The server refuses batches above this; the client splits larger ones. */
const MAX_BATCH_ITEMS = 50;

export interface TransportOptions {
  /** The tRPC endpoint (`…/trpc`). */
  url: string;
  fetch: FetchLike | undefined;
  EventSource: EventSourceCtor | undefined;
  headers: HeadersProvider | undefined;
  /** The bearer to send now (subscriptions refresh it first; calls were refreshed upstream). */
  accessToken(options: { refresh: boolean }): Promise<string | null>;
}

/**
 * The links that send: queries and mutations batched over HTTP, subscriptions over SSE. Each
 * request gets an X-Request-Id (unless your headers set one) and the session's bearer (unless
 * your headers set an Authorization); both are recorded on its operations for the links above.
 */
export function transportLinks(options: TransportOptions): TRPCLink<AppRouter> {
  const requestHeaders = async (ops: Operation[], withSession: boolean) => {
    const own = { ...(await options.headers?.()) };
    const token =
      withSession && headerValue(own, 'authorization') === undefined
        ? await options.accessToken({ refresh: false })
        : null;
    const requestId = headerValue(own, REQUEST_ID_HEADER) ?? randomId();
    for (const op of ops) recordSent(op.context, token, requestId);
    return {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(headerValue(own, REQUEST_ID_HEADER) === undefined && { [REQUEST_ID_HEADER]: requestId }),
      ...own,
    };
  };
  const fetchImpl = options.fetch;
  const batch = (withSession: boolean) =>
    httpBatchLink<AppRouter>({
      url: options.url,
      maxItems: MAX_BATCH_ITEMS,
      headers: ({ opList }) => requestHeaders(opList, withSession),
      ...(fetchImpl && {
        fetch: (url, init) => fetchImpl(String(url), toInit(init)),
      }),
    });

  return splitLink({
    condition: (op) => op.type === 'subscription',
    true: httpSubscriptionLink({
      url: options.url,
      ...(options.EventSource && { EventSource: options.EventSource }),
      // The `eventsource` package (Node) sends through this fetch on every (re)connection, so
      // a reconnect carries a current token; a browser's EventSource ignores the option.
      eventSourceOptions: ({ op }) => ({
        fetch: async (url: string | URL, init?: FetchInitLike) => {
          await options.accessToken({ refresh: true });
          const headers = await requestHeaders([op], true);
          return globalThis.fetch(url, { ...init, headers: { ...init?.headers, ...headers } });
        },
      }),
    }),
    // The SDK's own login and refresh calls never travel with a (possibly expired) bearer.
    false: splitLink({
      condition: (op) => skipsAuth(op.context),
      true: batch(false),
      false: batch(true),
    }),
  });
}

interface TrpcInit {
  method?: string | undefined;
  headers?: unknown;
  body?: unknown;
  signal?: AbortSignal | null | undefined;
}

/** tRPC's request init, as the plain fields a FetchLike takes (tRPC sends a header record). */
function toInit(init: TrpcInit | undefined): FetchInitLike {
  const headers: Record<string, string> = {};
  const given = init?.headers;
  const entries = Array.isArray(given)
    ? given
    : typeof given === 'object' && given !== null
      ? Object.entries(given)
      : [];
  for (const [key, value] of entries) if (typeof value === 'string') headers[key] = value;
  return {
    ...(init?.method && { method: init.method }),
    headers,
    ...(typeof init?.body === 'string' && { body: init.body }),
    ...(init?.signal && { signal: init.signal }),
  };
}
