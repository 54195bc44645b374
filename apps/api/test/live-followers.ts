import type { TokenPair } from '@evently/contracts';
import type { EventStats } from '@evently/sdk';
import { EventSource } from 'eventsource';
import { type SdkClient, sdkClient } from './sdk-client.js';

type LiveInput = { eventId?: string; lastEventId?: string };

/** An analytics.live subscription of an SDK client with a session, as an app would hold one. */
export interface SdkFollower {
  sdk: SdkClient;
  updates: Array<{ id: string; data: EventStats }>;
  errors: unknown[];
  /** When onError was called (Date.now()). */
  failedAt: number | undefined;
  stop(): void;
}

export function followWithSdk(url: string, tokens: TokenPair, input: LiveInput): SdkFollower {
  const sdk = sdkClient(url, { tokens, EventSource });
  const follower: SdkFollower = {
    sdk,
    updates: [],
    errors: [],
    failedAt: undefined,
    stop: () => subscription.unsubscribe(),
  };
  const subscription = sdk.client.analytics.live.subscribe(input, {
    onData: (update) => void follower.updates.push(update),
    onError: (error) => {
      follower.errors.push(error);
      follower.failedAt ??= Date.now();
    },
  });
  return follower;
}

/** One SSE event as the server wrote it. */
export interface SseEvent {
  event: string;
  data: string;
}

/** analytics.live read as raw SSE: what the server sends, and whether it closed the response. */
export interface RawFollower {
  events: SseEvent[];
  /** Resolves when the server ends the response. */
  closed: Promise<void>;
  stop(): void;
}

export async function followRaw(
  url: string,
  bearer: string,
  input: LiveInput,
): Promise<RawFollower> {
  const abort = new AbortController();
  const query = encodeURIComponent(JSON.stringify(input));
  const response = await fetch(`${url}/trpc/analytics.live?input=${query}`, {
    headers: { authorization: `Bearer ${bearer}`, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  if (!response.body) throw new Error('no SSE body');
  const events: SseEvent[] = [];
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const closed = (async () => {
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += value;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n').filter((line) => line !== '');
        if (lines.length === 0) continue;
        const field = (name: string) =>
          lines.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
        events.push({ event: field('event') ?? 'message', data: field('data') ?? '' });
      }
    }
  })();
  closed.catch(() => {});
  return { events, closed, stop: () => abort.abort() };
}

/** The stats a raw follower received, in order. */
export const rawStats = (follower: RawFollower): EventStats[] =>
  follower.events
    .filter((e) => e.event === 'message' && e.data !== '')
    .map((e) => JSON.parse(e.data) as EventStats);

/** The error event a raw follower received, if any: its appCode and HTTP status. */
export function rawError(follower: RawFollower): { appCode?: string; httpStatus?: number } {
  const error = follower.events.find((e) => e.event === 'serialized-error');
  if (!error) return {};
  const { data } = JSON.parse(error.data) as { data?: { appCode?: string; httpStatus?: number } };
  return {
    ...(data?.appCode && { appCode: data.appCode }),
    ...(data?.httpStatus && { httpStatus: data.httpStatus }),
  };
}

/** The appCode of the error event a raw follower received, if any. */
export const rawErrorCode = (follower: RawFollower) => rawError(follower).appCode;
