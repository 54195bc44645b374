import type { AppRouter } from '@evently/api';
import type { httpSubscriptionLink } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';

/** Every procedure's input, by path: `RouterInputs['bookings']['create']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Every procedure's output, by path: `RouterOutputs['events']['get']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** What the SDK sends through `fetch`: always a URL string and these fields. */
export interface FetchInitLike {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** The part of a fetch `Response` the SDK reads. */
export interface FetchResponseLike {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  json(): Promise<unknown>;
}

/**
 * A fetch for queries and mutations: the global `fetch` fits, and so does any implementation
 * that answers these few fields (a test's wrapper, a pooled Node client).
 */
export type FetchLike = (url: string, init: FetchInitLike) => Promise<FetchResponseLike>;

/** An `EventSource` class (browsers have one; on Node pass the `eventsource` package's). */
export type EventSourceCtor = NonNullable<
  Parameters<typeof httpSubscriptionLink>[0]['EventSource']
>;

/** Extra headers for every request; may be async. */
export type HeadersProvider = () => Record<string, string> | Promise<Record<string, string>>;
