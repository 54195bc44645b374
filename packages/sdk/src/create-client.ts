import type { AppRouter } from '@evently/api';
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
} from '@trpc/client';

/** The server refuses batches above this; the client splits larger ones. */
const MAX_BATCH_ITEMS = 50;

type EventSourceCtor = NonNullable<Parameters<typeof httpSubscriptionLink>[0]['EventSource']>;

export interface EventlyClientOptions {
  /** Base URL of the API, e.g. `http://localhost:3000` (the `/trpc` path is added). */
  url: string;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
  /** An EventSource implementation for subscriptions (Node 20 needs the `eventsource` package). */
  EventSource?: EventSourceCtor;
  /** Extra headers for every call, e.g. a fixed `Authorization`; may be async. */
  headers?: () => Record<string, string> | Promise<Record<string, string>>;
}

export type EventlyClient = TRPCClient<AppRouter>;

/** A typed client of the Evently API: batched queries and mutations, SSE subscriptions. */
export function createEventlyClient(options: EventlyClientOptions): EventlyClient {
  const url = `${options.url.replace(/\/+$/, '')}/trpc`;
  const headers = async () => ({ ...(await options.headers?.()) });
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          ...(options.EventSource && { EventSource: options.EventSource }),
        }),
        false: httpBatchLink({
          url,
          maxItems: MAX_BATCH_ITEMS,
          headers,
          ...(options.fetch && { fetch: options.fetch }),
        }),
      }),
    ],
  });
}
