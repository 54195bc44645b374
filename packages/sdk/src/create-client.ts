import type { AppRouter } from '@evently/api';
import { createTRPCClient, type TRPCClient } from '@trpc/client';
import { authLink } from './auth/auth-link.js';
import { type AuthOptions, createSession, type EventlySession } from './auth/session.js';
import { errorLink } from './error-link.js';
import { idempotencyLink } from './idempotency-link.js';
import { networkRetryLink } from './network-retry-link.js';
import { skipAuthContext } from './op-context.js';
import { type Paginate, paginate } from './paginate.js';
import { transportLinks } from './transport.js';
import type { EventSourceCtor, FetchLike, HeadersProvider } from './types.js';

export interface EventlyClientOptions {
  /** Base URL of the API, e.g. `http://localhost:3000` (the `/trpc` path is added). */
  url: string;
  /**
   * The fetch for queries and mutations (default: the global one). Subscriptions connect
   * through the EventSource, whose own fetch (the `eventsource` package) is the global one.
   */
  fetch?: FetchLike;
  /** An EventSource implementation for subscriptions (Node 20 needs the `eventsource` package). */
  EventSource?: EventSourceCtor;
  /**
   * Extra headers for every request; may be async. An `Authorization` here wins over the
   * session's bearer, an `X-Request-Id` over the generated one.
   */
  headers?: HeadersProvider;
  /** The session: token store, refresh timing, sign-out callback. */
  auth?: AuthOptions;
  /**
   * An API key (`evk_…`, made by an organization's owner with `apiKeys.create`): every call
   * carries it as its bearer and acts for the key's organization within its scopes. A key is
   * not refreshed: with one, the session is not used.
   */
  apiKey?: string;
}

/** The helpers beside the routers (`client.auth` is the API's auth router). */
export interface EventlyClientHelpers {
  /** Sign in and out; every call then carries the bearer, refreshed as needed. */
  readonly session: EventlySession;
  /** Walks a keyset-paged list item by item. */
  readonly paginate: Paginate;
}

/** Every procedure of the API, typed (`client.events.list.query(…)`), plus the helpers. */
export type EventlyClient = TRPCClient<AppRouter> & EventlyClientHelpers;

/**
 * A typed client of the Evently API: batched queries and mutations, SSE subscriptions, request
 * ids, a session that refreshes its token once for all concurrent callers, typed errors, and
 * idempotency keys for bookings that survive the client's own retries.
 */
export function createEventlyClient(options: EventlyClientOptions): EventlyClient {
  const url = `${options.url.replace(/\/+$/, '')}/trpc`;
  // The session's own calls go through the same links, so they are created together.
  let trpc: TRPCClient<AppRouter> | undefined;
  const calls = () => {
    if (!trpc) throw new Error('client not ready');
    return trpc.auth;
  };
  const session = createSession(options.auth ?? {}, {
    login: (credentials) => calls().login.mutate(credentials, { context: skipAuthContext }),
    refresh: (refreshToken) =>
      calls().refresh.mutate({ refreshToken }, { context: skipAuthContext }),
    logout: () => calls().logout.mutate(),
  });
  trpc = createTRPCClient<AppRouter>({
    links: [
      errorLink(),
      idempotencyLink(),
      ...(options.apiKey === undefined ? [authLink(session)] : []),
      networkRetryLink(),
      transportLinks({
        url,
        fetch: options.fetch,
        EventSource: options.EventSource,
        headers: options.headers,
        accessToken: ({ refresh }) => {
          if (options.apiKey !== undefined) return Promise.resolve(options.apiKey);
          return refresh ? session.accessToken() : session.currentAccessToken();
        },
      }),
    ],
  });

  const helpers: EventlyClientHelpers = {
    session: {
      login: session.login,
      logout: session.logout,
      setTokens: session.setTokens,
      tokens: session.tokens,
      refresh: session.refresh,
      onChange: session.onChange,
    },
    paginate,
  };
  const routers = trpc;
  // tRPC's client is a proxy that answers every property with a router path; the helpers are
  // looked up first.
  return new Proxy(routers, {
    get: (target, key, receiver) =>
      Object.hasOwn(helpers, key)
        ? helpers[key as keyof EventlyClientHelpers]
        : Reflect.get(target, key, receiver),
  }) as EventlyClient;
}
