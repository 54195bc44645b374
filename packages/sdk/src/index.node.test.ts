import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEventlyClient as createDefaultClient } from './index.js';
import { createEventlyClient as createNodeClient } from './index.node.js';

// The Node entry's clients send over node:http unless given a fetch; the default entry's use the
// global fetch. Shown by taking the global fetch away: only the Node entry's call still works.
describe('the Node entry', () => {
  let server: Server;
  let url: string;
  const paths: string[] = [];
  const realFetch = globalThis.fetch;

  beforeAll(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ result: { data: { items: [], nextCursor: null } } }]));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    globalThis.fetch = realFetch;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function withoutGlobalFetch(): void {
    globalThis.fetch = () => Promise.reject(new Error('the global fetch was used'));
  }

  it('sends calls without the global fetch', async () => {
    withoutGlobalFetch();
    const page = await createNodeClient({ url }).events.list.query({});
    expect(page).toEqual({ items: [], nextCursor: null });
    expect(paths.at(-1)).toMatch(/^\/trpc\/events\.list\?batch=1/);
  });

  it('uses a fetch it is given instead', async () => {
    let calls = 0;
    const client = createNodeClient({
      url,
      fetch: (input, init) => {
        calls += 1;
        return realFetch(input, init);
      },
    });
    await client.events.list.query({});
    expect(calls).toBe(1);
  });

  it('is what differs from the default entry, which goes through the global fetch', async () => {
    withoutGlobalFetch();
    await expect(createDefaultClient({ url }).events.list.query({})).rejects.toThrow(
      /the global fetch was used/,
    );
  });
});
