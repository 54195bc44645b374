import type { TokenPair } from '@evently/contracts';
import {
  type AuthOptions,
  createEventlyClient,
  type EventlyClient,
  type EventSourceCtor,
  memoryTokenStore,
  type TokenStore,
} from '@evently/sdk';
import { ownAddress, type RecordingFetch, recordingFetch } from './sdk-fetch.js';

export interface SdkClient {
  client: EventlyClient;
  /** Every request the client made. */
  http: RecordingFetch;
  /** The reasons onSignedOut was called with, in order. */
  signedOut: string[];
}

/**
 * An SDK client as an app would make one — a session in a token store, no fixed headers but
 * its own client address — whose requests are recorded.
 */
export function sdkClient(
  url: string,
  options: {
    tokens?: TokenPair | null;
    /** Default: a memory store holding `tokens`. */
    store?: TokenStore;
    auth?: Omit<AuthOptions, 'store' | 'onSignedOut'>;
    EventSource?: EventSourceCtor;
  } = {},
): SdkClient {
  const http = recordingFetch();
  const signedOut: string[] = [];
  const client = createEventlyClient({
    url,
    fetch: http.fetch,
    headers: ownAddress(),
    ...(options.EventSource && { EventSource: options.EventSource }),
    auth: {
      ...options.auth,
      store: options.store ?? memoryTokenStore(options.tokens ?? null),
      onSignedOut: (reason) => void signedOut.push(reason),
    },
  });
  return { client, http, signedOut };
}
