import { randomUUID } from 'node:crypto';
import type { DbHandle } from '@evently/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMemoryDb,
  type EmbeddedServer,
  startEmbeddedServer,
} from '../../test/embedded-server.js';
import { appRouter } from '../router.js';
import { MAX_BATCH_SIZE } from '../server.js';
import { plainCallsOf } from './trpc-plain-call.js';

// Plain JSON calls skip tRPC's Fetch adapter; nobody may be able to tell. The same requests go to
// two servers on one database — one answering plain calls directly, one sending everything
// through tRPC's own handler — and must get the same status, headers and body (request ids
// aside), successes and failures, single calls and batches. Requests that are not plain calls
// (streams, wrong methods, unknown paths, malformed JSON) are left to tRPC's handler.

interface Sent {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  body?: string;
  headers?: Record<string, string>;
}

const json = { 'content-type': 'application/json' };
const input = (value: unknown) => JSON.stringify(value);

const plainCalls: [string, Sent][] = [
  ['a query', { method: 'GET', path: 'system.info' }],
  ['a query with input', { method: 'GET', path: 'events.list', query: { input: input({}) } }],
  [
    'a query refused by validation (400)',
    { method: 'GET', path: 'events.get', query: { input: input({ id: 'not-a-uuid' }) } },
  ],
  [
    'a query for an unknown event (404)',
    { method: 'GET', path: 'events.get', query: { input: input({ id: randomUUID() }) } },
  ],
  ['an authed query without a token (401)', { method: 'GET', path: 'auth.me' }],
  [
    'a mutation refused (wrong password)',
    {
      method: 'POST',
      path: 'auth.login',
      body: input({ email: 'nobody@example.com', password: 'wrong password 123' }),
      headers: json,
    },
  ],
  ['a mutation with no input', { method: 'POST', path: 'auth.logout', body: '', headers: json }],
  [
    'a batch of successes',
    {
      method: 'GET',
      path: 'system.info,events.list',
      query: { batch: '1', input: input({ 1: {} }) },
    },
  ],
  [
    'a batch of mixed outcomes (207)',
    {
      method: 'GET',
      path: 'system.info,events.get',
      query: { batch: '1', input: input({ 1: { id: 'nope' } }) },
    },
  ],
  [
    'a batch of mutations',
    {
      method: 'POST',
      path: 'auth.login,auth.login',
      query: { batch: '1' },
      body: input({ 0: { email: 'a@example.com', password: 'x' }, 1: {} }),
      headers: json,
    },
  ],
];

const otherRequests: [string, Sent][] = [
  ['a mutation by GET', { method: 'GET', path: 'auth.login' }],
  ['a query by POST', { method: 'POST', path: 'system.info', body: '{}', headers: json }],
  ['an unknown procedure', { method: 'GET', path: 'nope.nothing' }],
  ['malformed JSON input', { method: 'GET', path: 'events.list', query: { input: '{"a":' } }],
  [
    'a JSONL batch',
    {
      method: 'GET',
      path: 'system.info',
      query: { batch: '1' },
      headers: { 'trpc-accept': 'application/jsonl' },
    },
  ],
  [
    'a batch over the limit',
    {
      method: 'GET',
      path: Array.from({ length: MAX_BATCH_SIZE + 1 }, () => 'system.info').join(','),
      query: { batch: '1' },
    },
  ],
  [
    'a batch whose input is not an object',
    { method: 'GET', path: 'system.info', query: { batch: '1', input: '3' } },
  ],
];

describe('plain tRPC calls answered directly', () => {
  let db: DbHandle;
  let direct: EmbeddedServer;
  let adapter: EmbeddedServer;
  beforeAll(async () => {
    db = await createMemoryDb();
    [direct, adapter] = await Promise.all([
      startEmbeddedServer({ db }),
      startEmbeddedServer({ db, config: { plainCallsDirect: false } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([direct?.stop(), adapter?.stop()]);
    await db?.close();
  });

  async function send(server: EmbeddedServer, sent: Sent) {
    const query = new URLSearchParams(sent.query ?? {}).toString();
    const response = await fetch(`${server.url}/trpc/${sent.path}${query ? `?${query}` : ''}`, {
      method: sent.method,
      headers: sent.headers ?? {},
      ...(sent.body !== undefined && { body: sent.body }),
    });
    // Request ids, and system.info's start of each server, differ by nature.
    const body = (await response.text())
      .replace(/"requestId":"[^"]*"/g, '"requestId":"…"')
      .replace(/"startedAt":"[^"]*"/g, '"startedAt":"…"')
      .replace(/"uptimeSeconds":\d+/g, '"uptimeSeconds":0');
    return {
      status: response.status,
      body,
      contentType: response.headers.get('content-type'),
      vary: response.headers.get('vary'),
      allow: response.headers.get('allow'),
    };
  }

  const classify = (sent: Sent) =>
    plainCallsOf(
      appRouter,
      {
        method: sent.method,
        query: new URLSearchParams(sent.query ?? {}),
        body: sent.body,
        header: (name) => sent.headers?.[name],
      },
      sent.path,
      MAX_BATCH_SIZE,
    );

  it.each(plainCalls)('%s: answered directly, exactly as tRPC would', async (_name, sent) => {
    expect(await classify(sent)).not.toBeNull();
    const [ours, theirs] = [await send(direct, sent), await send(adapter, sent)];
    expect(ours).toEqual(theirs);
  });

  it.each(otherRequests)('%s: left to tRPC, so answered alike', async (_name, sent) => {
    expect(await classify(sent)).toBeNull();
    expect(await send(direct, sent)).toEqual(await send(adapter, sent));
  });

  it('outcomes cover success, client errors and mixed batches', async () => {
    const statuses = await Promise.all(
      plainCalls.map(async ([, sent]) => (await send(direct, sent)).status),
    );
    expect(new Set(statuses)).toEqual(new Set([200, 400, 401, 404, 207]));
  });
});
