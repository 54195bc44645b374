// The SDK as Node resolves it (the `node` export condition): the same API, except that a client
// given no `fetch` sends its calls over node:http keep-alive sockets instead of Node's global
// fetch, which costs several times more CPU per call (see node-transport.ts).
import {
  createEventlyClient as createClient,
  type EventlyClient,
  type EventlyClientOptions,
} from './create-client.js';
import { createNodeFetch, type NodeFetch } from './node-transport.js';

export * from './index.js';
export { createNodeFetch, type NodeFetch, type NodeFetchOptions } from './node-transport.js';

/** One pool of sockets per process, shared by every client that brings no fetch of its own. */
let shared: NodeFetch | undefined;

/** {@inheritDoc createClient} */
export function createEventlyClient(options: EventlyClientOptions): EventlyClient {
  if (options.fetch) return createClient(options);
  shared ??= createNodeFetch();
  return createClient({ ...options, fetch: shared });
}
