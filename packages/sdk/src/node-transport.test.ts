import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeFetch } from './node-transport.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  remotePort: number;
}

describe('createNodeFetch', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  let handler: (req: IncomingMessage, res: ServerResponse, body: string) => void;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body,
          remotePort: req.socket.remotePort ?? 0,
        });
        handler(req, res, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends method, headers and body, and reads status, headers and JSON', async () => {
    handler = (_req, res, body) => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'r-1' });
      res.end(JSON.stringify({ echoed: JSON.parse(body) as unknown, ü: 'ß' }));
    };
    const fetch = createNodeFetch();
    const res = await fetch(new URL('/trpc/a?batch=1', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
      body: JSON.stringify({ 0: { quantity: 1 } }),
    });
    expect(res.ok).toBe(true);
    expect(res.status).toBe(201);
    expect(res.headers.get('X-Request-Id')).toBe('r-1');
    expect(res.headers.get('x-missing')).toBeNull();
    expect(await res.json()).toEqual({ echoed: { 0: { quantity: 1 } }, ü: 'ß' });
    const request = seen.at(-1);
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/trpc/a?batch=1');
    expect(request?.headers.authorization).toBe('Bearer t');
    expect(request?.headers['content-length']).toBe(String(request?.body.length));
  });

  it('accepts Headers and header pairs, and reports errors as not ok', async () => {
    handler = (_req, res) => {
      res.writeHead(429, 'Too Many Requests', { 'content-type': 'text/plain' });
      res.end('slow down');
    };
    const fetch = createNodeFetch();
    const a = await fetch(`${base}/x`, { headers: new Headers({ 'x-a': '1' }) });
    const b = await fetch({ url: `${base}/y` }, { headers: [['x-b', '2']] });
    expect([a.ok, a.status, a.statusText]).toEqual([false, 429, 'Too Many Requests']);
    expect(await b.text()).toBe('slow down');
    expect(seen.at(-2)?.headers['x-a']).toBe('1');
    expect(seen.at(-1)?.headers['x-b']).toBe('2');
    expect(seen.at(-1)?.method).toBe('GET');
  });

  it('keeps the connection alive between calls', async () => {
    handler = (_req, res) => res.end('{}');
    const fetch = createNodeFetch();
    for (let i = 0; i < 5; i++) await (await fetch(`${base}/k`)).json();
    const ports = new Set(seen.slice(-5).map((s) => s.remotePort));
    expect(ports.size).toBe(1);
  });

  it('rejects with a TypeError when the server cannot be reached, as fetch does', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const error = await createNodeFetch()(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('aborts a call in flight, and refuses one whose signal is already aborted', async () => {
    handler = () => {}; // never answers
    const fetch = createNodeFetch();
    const controller = new AbortController();
    const call = fetch(`${base}/hang`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    await expect(fetch(`${base}/x`, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('refuses protocols other than http and https', async () => {
    await expect(createNodeFetch()('ftp://example.com/')).rejects.toBeInstanceOf(TypeError);
  });
});
