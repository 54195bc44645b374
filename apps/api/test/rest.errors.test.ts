import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restRoutesOf } from '../src/http/rest-route.js';
import { appRouter } from '../src/router.js';
import { ANONYMOUS_READS_PER_MINUTE } from '../src/trpc/anonymous-read-limit.js';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';
import { restClient } from './rest-client.js';

interface Answer {
  status: number;
  headers: Headers;
  body: {
    error: {
      code: string;
      appCode: string;
      message: string;
      issues?: { path: (string | number)[]; message: string }[];
      details?: Record<string, unknown>;
      requestId: string;
    };
  };
}

// REST errors: typed JSON `{ error: { code, appCode, message, issues?, requestId } }` with the
// status of the appCode, whoever refused — the procedure, its schemas, or the HTTP layer.
describe('REST: errors', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let alice: SignedUp;
  let bob: SignedUp;
  let addresses = 0;

  /** A raw request (what no generated client would send, too), from an address of its own. */
  async function call(
    method: string,
    path: string,
    init: { token?: string; body?: string; type?: string; address?: string } = {},
  ): Promise<Answer> {
    addresses += 1;
    const response = await fetch(`${app.url}/api/v1${path}`, {
      method,
      headers: {
        'x-forwarded-for': init.address ?? `10.201.${addresses >> 8}.${addresses & 255}`,
        ...(init.token && { authorization: `Bearer ${init.token}` }),
        ...(init.body !== undefined && { 'content-type': init.type ?? 'application/json' }),
      },
      ...(init.body !== undefined && { body: init.body }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: JSON.parse(text) };
  }

  const publishedEvent = async (capacity: number) => {
    const draft = await organizer.client.events.create.mutate(eventInput({ capacity }));
    return organizer.client.events.publish.mutate({ id: draft.id });
  };

  beforeAll(async () => {
    app = await startTestApp();
    [organizer, alice, bob] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
    ]);
  });
  afterAll(async () => app?.close());

  it('400 VALIDATION_FAILED names the fields, from the body, the query string or the path', async () => {
    const token = alice.tokens.accessToken;
    const body = await call('POST', '/bookings', {
      token,
      body: JSON.stringify({ eventId: 'not-an-id', quantity: 0 }),
    });
    expect(body.status).toBe(400);
    expect(body.body.error).toMatchObject({ code: 'BAD_REQUEST', appCode: 'VALIDATION_FAILED' });
    expect(body.body.error.issues?.map((i) => i.path).sort()).toEqual([['eventId'], ['quantity']]);

    const query = await call('GET', '/events?limit=1000');
    expect(query.status).toBe(400);
    expect(query.body.error.issues?.map((i) => i.path)).toEqual([['limit']]);
    const path = await call('GET', '/events/not-an-id');
    expect(path.status).toBe(400);
    expect(path.body.error.issues?.map((i) => i.path)).toEqual([['id']]);
  });

  it('400 for a body that is not JSON, without echoing it; 415 for another content type; 413 over 1 MiB', async () => {
    const broken = await call('POST', '/auth/login', { body: '{"email": "secret-typed-here' });
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatchObject({
      appCode: 'VALIDATION_FAILED',
      message: 'Input is not valid JSON',
    });
    expect(JSON.stringify(broken.body)).not.toContain('secret-typed-here');
    const notAnObject = await call('POST', '/auth/login', { body: '[1, 2]' });
    expect(notAnObject.status).toBe(400);
    const text = await call('POST', '/auth/login', { body: 'email=a', type: 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.body.error).toMatchObject({ appCode: 'VALIDATION_FAILED' });
    const huge = await call('POST', '/auth/login', {
      body: JSON.stringify({ email: 'x'.repeat(1_100_000) }),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.appCode).toBe('VALIDATION_FAILED');
  });

  it('401 without a token or with a bad one, asking for a bearer token', async () => {
    const none = await call('POST', '/bookings', {
      body: JSON.stringify({ eventId: randomUUID(), quantity: 1 }),
    });
    expect(none.status).toBe(401);
    expect(none.body.error).toMatchObject({ code: 'UNAUTHORIZED', appCode: 'UNAUTHENTICATED' });
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const forged = await call('GET', '/auth/me', { token: 'not.a.token' });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('UNAUTHORIZED');
  });

  it('every route the document marks protected refuses an anonymous caller, and no other does', async () => {
    const refusals: Record<string, number> = {};
    for (const route of restRoutesOf(appRouter)) {
      const path = route.restPath.replace(/\{[^}]+\}/g, () => randomUUID());
      const body = route.method === 'GET' || route.method === 'DELETE' ? {} : { body: '{}' };
      const answer = await call(route.method, path, body);
      refusals[route.path] = answer.status;
      if (answer.status !== 200) {
        expect(answer.body.error.requestId, route.path).toEqual(expect.any(String));
      }
    }
    const protectedRoutes = restRoutesOf(appRouter).filter((route) => {
      const meta = route.procedure._def.meta as { openapi: { protect: boolean } };
      return meta.openapi.protect;
    });
    expect(protectedRoutes.length).toBeGreaterThan(20);
    for (const [path, status] of Object.entries(refusals)) {
      const isProtected = protectedRoutes.some((route) => route.path === path);
      expect(status === 401, path).toBe(isProtected);
    }
  });

  it('403 FORBIDDEN for a visible event the caller may not change', async () => {
    const event = await publishedEvent(5);
    const answer = await call('POST', `/events/${event.id}/cancel`, {
      token: alice.tokens.accessToken,
      body: JSON.stringify({ reason: 'not mine to cancel' }),
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatchObject({ code: 'FORBIDDEN', appCode: 'FORBIDDEN' });
  });

  it('404 NOT_FOUND for a booking that is not there, an unknown route and a wrong method', async () => {
    const missing = await call('GET', `/bookings/${randomUUID()}`, {
      token: alice.tokens.accessToken,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND', appCode: 'NOT_FOUND' });
    for (const [method, path] of [
      ['GET', '/no-such-thing'],
      ['DELETE', '/bookings'],
    ] as const) {
      const answer = await call(method, path);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.error).toMatchObject({ appCode: 'NOT_FOUND', message: 'Not found' });
    }
  });

  it('409 SOLD_OUT when the last seat is gone', async () => {
    const event = await publishedEvent(1);
    const book = (who: SignedUp) =>
      call('POST', '/bookings', {
        token: who.tokens.accessToken,
        body: JSON.stringify({ eventId: event.id, quantity: 1 }),
      });
    expect((await book(alice)).status).toBe(200);
    const refused = await book(bob);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'CONFLICT', appCode: 'SOLD_OUT' });
  });

  it('429 RATE_LIMITED with Retry-After, on the limits tRPC calls spend too', async () => {
    const address = '10.202.0.1';
    const wrong = { email: alice.email, password: 'not the password at all' };
    // Login allows 5 tries per (network, email): 3 over tRPC and 2 over REST spend them.
    const sdk = app.client(undefined, { 'x-forwarded-for': address });
    for (let i = 0; i < 3; i += 1) {
      await expectAppCode(sdk.auth.login.mutate(wrong), 'INVALID_CREDENTIALS');
    }
    for (let i = 0; i < 2; i += 1) {
      const answer = await call('POST', '/auth/login', { body: JSON.stringify(wrong), address });
      expect(answer.body.error.appCode).toBe('INVALID_CREDENTIALS');
    }
    const limited = await call('POST', '/auth/login', { body: JSON.stringify(wrong), address });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      appCode: 'RATE_LIMITED',
    });
    const seconds = limited.body.error.details?.retryAfterSeconds;
    expect(typeof seconds).toBe('number');
    expect(limited.headers.get('retry-after')).toBe(String(Math.ceil(Number(seconds))));
  });

  it('anonymous REST reads spend the network budget tRPC reads spend', async () => {
    const address = '10.204.0.1';
    const event = await publishedEvent(5);
    // The budget, spent over tRPC in batches of 50 (as a browser sends them)…
    const input = encodeURIComponent(
      JSON.stringify(
        Object.fromEntries(Array.from({ length: 50 }, (_, i) => [i, { eventId: event.id }])),
      ),
    );
    const paths = Array.from({ length: 50 }, () => 'bookings.availability').join(',');
    for (let spent = 0; spent < ANONYMOUS_READS_PER_MINUTE; spent += 50) {
      const response = await fetch(`${app.url}/trpc/${paths}?batch=1&input=${input}`, {
        headers: { 'x-forwarded-for': address },
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    // …leaves nothing for REST.
    const refused = await call('GET', `/events/${event.id}/availability`, { address });
    expect(refused.status).toBe(429);
    expect(refused.body.error.appCode).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // A signed-in caller's reads are not counted.
    const signedIn = await call('GET', `/events/${event.id}`, {
      address,
      token: alice.tokens.accessToken,
    });
    expect(signedIn.status).toBe(200);
  });

  it('login answers an unknown email as it answers a known one with a wrong password', async () => {
    const attempts = async (email: string, address: string) => {
      const seen: unknown[] = [];
      for (let i = 0; i < 6; i += 1) {
        const answer = await call('POST', '/auth/login', {
          body: JSON.stringify({ email, password: 'not the password at all' }),
          address,
        });
        const { requestId: _, details, ...error } = answer.body.error;
        seen.push({
          status: answer.status,
          error,
          details: details && Object.keys(details),
          headers: [...answer.headers.keys()].filter((h) => h !== 'date').sort(),
        });
      }
      return seen;
    };
    const known = await attempts(bob.email, '10.203.0.1');
    const unknown = await attempts(`nobody-${randomUUID()}@example.com`, '10.203.0.2');
    expect(unknown).toEqual(known);
    expect(known.at(-1)).toMatchObject({ status: 429 });
    // And the real password from a fresh network still works.
    const client = await restClient(app.url, { address: '10.203.0.3' });
    const { response } = await client.POST('/auth/login', {
      body: { email: bob.email, password: TEST_PASSWORD },
    });
    expect(response.status).toBe(200);
  });

  it('carries the request id it was given, in the header and the body', async () => {
    const response = await fetch(`${app.url}/api/v1/bookings/${randomUUID()}`, {
      headers: {
        'x-request-id': 'rest-check-1',
        authorization: `Bearer ${bob.tokens.accessToken}`,
      },
    });
    expect(response.headers.get('x-request-id')).toBe('rest-check-1');
    const body = (await response.json()) as Answer['body'];
    expect(body.error.requestId).toBe('rest-check-1');
  });
});
