import { validate } from '@readme/openapi-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../src/http/openapi-document.js';
import { restRoutesOf } from '../src/http/rest-route.js';
import { appRouter } from '../src/router.js';
import { startTestApp, type TestApp } from './harness.js';
import { openApiTypesOf } from './rest-openapi-types.js';
import { routerProcedures } from './router-procedures.js';

type Operation = OpenAPIV3_1.OperationObject;

const METHODS = ['get', 'post', 'patch', 'put', 'delete'] as const;

/** Every operation of the document, keyed `GET /events/{id}`. */
function operationsOf(document: OpenAPIV3_1.Document): Map<string, Operation> {
  const operations = new Map<string, Operation>();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item?.[method];
      if (operation) operations.set(`${method.toUpperCase()} ${path}`, operation);
    }
  }
  return operations;
}

// The OpenAPI document at /api/openapi.json, written at start-up from the router, and the docs
// page at /docs that reads it.
describe('REST: the OpenAPI document and the docs page', () => {
  let app: TestApp;
  let document: OpenAPIV3_1.Document;
  let operations: Map<string, Operation>;

  beforeAll(async () => {
    app = await startTestApp({ worker: false });
    const response = await fetch(`${app.url}/api/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    document = (await response.json()) as OpenAPIV3_1.Document;
    operations = operationsOf(document);
  });
  afterAll(async () => app?.close());

  it('is an OpenAPI 3.1 document that a maintained validator accepts, without warnings', async () => {
    expect(document.openapi).toBe('3.1.0');
    // The parser dereferences in place: it gets a copy.
    const result = await validate(structuredClone(document));
    expect(result).toEqual({ valid: true, warnings: [], specification: 'OpenAPI' });
  });

  it('describes each REST route of the router once, the public surface among them', () => {
    const routes = restRoutesOf(appRouter);
    expect(operations.size).toBe(routes.length);
    for (const route of routes) {
      const operation = operations.get(`${route.method} ${route.restPath}`);
      expect(operation?.operationId, route.path).toBe(route.path.replaceAll('.', '-'));
    }
    const served = new Set(routes.map((route) => route.path));
    for (const path of [
      'auth.login',
      'auth.refresh',
      'auth.me',
      'events.list',
      'events.get',
      'events.create',
      'ticketTypes.list',
      'bookings.availability',
      'bookings.create',
      'bookings.get',
      'bookings.cancel',
      'bookings.mine',
      'bookings.waitlist.join',
      'tickets.mine',
      'tickets.forBooking',
      'checkin.redeem',
      'analytics.overview',
      'analytics.event',
    ]) {
      expect(served.has(path), path).toBe(true);
    }
    // Live updates stay tRPC's (SSE): no subscription has a route.
    const subscriptions = routerProcedures.filter((p) => p.type === 'subscription');
    expect(subscriptions.length).toBeGreaterThan(0);
    for (const { path } of subscriptions) expect(served.has(path), path).toBe(false);
  });

  it('asks for the bearer token where a procedure wants one, and lets it be optional where it may', () => {
    expect(document.components?.securitySchemes).toEqual({
      bearer: { type: 'http', scheme: 'bearer', description: expect.any(String) },
    });
    expect(operations.get('POST /bookings')?.security).toEqual([{ bearer: [] }]);
    expect(operations.get('GET /auth/me')?.security).toEqual([{ bearer: [] }]);
    expect(operations.get('GET /events')?.security).toEqual([{ bearer: [] }, {}]);
    expect(operations.get('GET /events/{id}')?.security).toEqual([{ bearer: [] }, {}]);
    expect(operations.get('POST /auth/login')?.security).toBeUndefined();
    expect(operations.get('GET /events/{eventId}/availability')?.security).toBeUndefined();
  });

  it('gives every operation the one error body: 4XX and 5XX, and 429 with Retry-After', () => {
    for (const [name, operation] of operations) {
      expect(Object.keys(operation.responses ?? {}).sort(), name).toEqual([
        '200',
        '429',
        '4XX',
        '5XX',
      ]);
    }
    expect(document.components?.responses?.RateLimited).toMatchObject({
      headers: { 'Retry-After': { schema: { type: 'integer' } } },
    });
    const error = document.components?.schemas?.Error;
    expect(error).toMatchObject({ properties: { error: { required: expect.any(Array) } } });
    // Answers have their plain names (no `BookingOutput`), and the library's error shapes are gone.
    const names = Object.keys(document.components?.schemas ?? {});
    expect(names).toEqual(expect.arrayContaining(['Booking', 'Event', 'TokenPair', 'Error']));
    expect(names.filter((n) => n.endsWith('Output') || n.startsWith('error.'))).toEqual([]);
  });

  it('names this server relative to itself, and PUBLIC_URL first when it is set', () => {
    expect(document.servers).toEqual([{ url: '/api/v1', description: 'This server' }]);
    const behindProxy = openApiDocument(appRouter, {
      version: 'test',
      publicUrl: 'https://tickets.example.com/',
      routes: restRoutesOf(appRouter),
    });
    expect(behindProxy.servers?.map((s) => s.url)).toEqual([
      'https://tickets.example.com/api/v1',
      '/api/v1',
    ]);
  });

  it('is what the checked-in client types were generated from (openapi-typescript)', async () => {
    // `-u` rewrites the file after a change of the surface; CI fails on a stale one.
    await expect(await openApiTypesOf(document)).toMatchFileSnapshot('./rest-openapi.generated.ts');
  });

  it('/docs serves Swagger UI from this server only: no CDN, no outside call', async () => {
    const page = await fetch(`${app.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:|\*/);
    const html = await page.text();
    const assets = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1] ?? '');
    expect(assets.length).toBeGreaterThanOrEqual(5);
    for (const asset of assets) {
      expect(asset, 'a local path').toMatch(/^\/docs\/static\/[\w.-]+$/);
      const response = await fetch(`${app.url}${asset}`);
      expect(response.status, asset).toBe(200);
      await response.arrayBuffer();
    }
    const initializer = await (await fetch(`${app.url}/docs/static/swagger-initializer.js`)).text();
    expect(initializer).toContain("resolveUrl('./json')");
    expect(initializer).toContain('validatorUrl: null');
    // No address elsewhere in a string (a comment of its own names a Stack Overflow answer).
    expect(initializer).not.toMatch(/['"`]https?:\/\//);
    // The page's document is the one at /api/openapi.json.
    expect(await (await fetch(`${app.url}/docs/json`)).json()).toEqual(document);
  });
});
