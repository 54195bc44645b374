import { randomUUID } from 'node:crypto';
import type { AppCode } from '@evently/contracts';
import {
  createEventlyClient,
  type EventlyError,
  type EventlyIssue,
  isEventlyError,
  TRPCClientError,
} from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { sdkClient } from './sdk-client.js';
import { ownAddress, recordingFetch } from './sdk-fetch.js';

// Typed errors (isEventlyError narrowing, retryAfterSeconds, issues) and request ids, against
// the real API.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function rejection(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

describe('SDK errors and request ids', () => {
  let app: TestApp;
  let organizer: SignedUp;

  beforeAll(async () => {
    app = await startTestApp();
    organizer = await app.signUp({ role: 'organizer' });
  });
  afterAll(async () => app?.close());

  it('SOLD_OUT narrows to its code and carries the request id the server echoed', async () => {
    const event = await organizer.client.events.create.mutate(
      eventInput({ capacity: 1, priceCents: 0, maxPerBooking: 1 }),
    );
    await organizer.client.events.publish.mutate({ id: event.id });
    const [alice, bob] = await Promise.all([app.signUp(), app.signUp()]);
    await sdkClient(app.url, { tokens: alice.tokens }).client.bookings.create.mutate({
      eventId: event.id,
      quantity: 1,
    });
    const { client, http } = sdkClient(app.url, { tokens: bob.tokens });

    const error = await rejection(
      client.bookings.create.mutate({ eventId: event.id, quantity: 1 }),
    );
    expect(isEventlyError(error)).toBe(true);
    expect(isEventlyError(error, 'SOLD_OUT')).toBe(true);
    expect(isEventlyError(error, 'NOT_FOUND')).toBe(false);
    expect(error).toBeInstanceOf(TRPCClientError);
    if (!isEventlyError(error, 'SOLD_OUT')) throw error;
    expectTypeOf(error.appCode).toEqualTypeOf<'SOLD_OUT'>();
    expectTypeOf(error.requestId).toEqualTypeOf<string | undefined>();
    expect(error.appCode).toBe('SOLD_OUT');
    expect(error.httpStatus).toBe(409);
    const request = http.requests.at(-1);
    expect(request?.headers['x-request-id']).toMatch(UUID);
    expect(request?.echoedRequestId).toBe(request?.headers['x-request-id']);
    expect(error.requestId).toBe(request?.headers['x-request-id']);
  });

  it('RATE_LIMITED narrows to a number of seconds the server sent', async () => {
    const { email } = await app.signUp();
    const { client } = sdkClient(app.url);
    for (let i = 0; i < 5; i += 1) {
      const wrong = await rejection(client.session.login({ email, password: `wrong ${i}` }));
      expect(isEventlyError(wrong, 'INVALID_CREDENTIALS')).toBe(true);
    }
    const error = await rejection(client.session.login({ email, password: 'wrong again' }));
    if (!isEventlyError(error, 'RATE_LIMITED')) throw error;
    expectTypeOf(error.retryAfterSeconds).toEqualTypeOf<number>();
    expectTypeOf(error.appCode).toEqualTypeOf<'RATE_LIMITED'>();
    // The per-email window is 15 minutes: this is the server's figure, not a default.
    expect(error.retryAfterSeconds).toBeGreaterThan(60);
    expect(error.retryAfterSeconds).toBe(error.details?.retryAfterSeconds);
    expect(error.requestId).toMatch(UUID);
  });

  it('VALIDATION_FAILED lists the fields that were wrong', async () => {
    const { client } = sdkClient(app.url, { tokens: organizer.tokens });
    const error = await rejection(
      client.bookings.create.mutate({ eventId: 'not-a-uuid', quantity: 0 }),
    );
    if (!isEventlyError(error, 'VALIDATION_FAILED')) throw error;
    expectTypeOf(error.appCode).toEqualTypeOf<'VALIDATION_FAILED'>();
    expect(error.httpStatus).toBe(400);
    expect(error.issues?.map((issue) => issue.path.join('.')).sort()).toEqual([
      'eventId',
      'quantity',
    ]);
    expect(error.issues?.every((issue) => issue.message.length > 0)).toBe(true);
  });

  it('a network failure is a TRPCClientError without an appCode', async () => {
    const client = createEventlyClient({ url: 'http://127.0.0.1:9' });
    const error = await rejection(client.events.list.query({}));
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(isEventlyError(error)).toBe(false);
  });

  it('types: codes are the contract’s, and only RATE_LIMITED promises retryAfterSeconds', () => {
    const anyError: unknown = new Error('x');
    if (isEventlyError(anyError)) {
      expectTypeOf(anyError.appCode).toEqualTypeOf<AppCode>();
      expectTypeOf(anyError.retryAfterSeconds).toEqualTypeOf<number | undefined>();
      expectTypeOf(anyError).toEqualTypeOf<EventlyError>();
      expectTypeOf(anyError.issues).toEqualTypeOf<readonly EventlyIssue[] | undefined>();
    }
    if (isEventlyError(anyError, 'SOLD_OUT')) {
      expectTypeOf(anyError.retryAfterSeconds).toEqualTypeOf<number | undefined>();
    }
    // @ts-expect-error not an app code
    expect(isEventlyError(anyError, 'NOT_A_CODE')).toBe(false);
    expect(isEventlyError(anyError)).toBe(false);
    expect(isEventlyError(null)).toBe(false);
  });

  it('every request carries its own X-Request-Id, echoed back; a caller’s own id is kept', async () => {
    const http = recordingFetch();
    const client = createEventlyClient({ url: app.url, fetch: http.fetch, headers: ownAddress() });
    await client.events.list.query({ limit: 1 });
    await Promise.all([client.events.list.query({ limit: 2 }), client.system.info.query()]);
    await client.events.list.query({ limit: 3 });
    const ids = http.requests.map((r) => r.headers['x-request-id']);
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(3);
    expect(http.requests.map((r) => r.echoedRequestId)).toEqual(ids);

    const traced = recordingFetch();
    const trace = `trace-${randomUUID()}`;
    const tracing = createEventlyClient({
      url: app.url,
      fetch: traced.fetch,
      headers: () => ({ 'X-Request-Id': trace }),
    });
    const error = await rejection(tracing.events.get.query({ id: randomUUID() }));
    if (!isEventlyError(error, 'NOT_FOUND')) throw error;
    expect(error.requestId).toBe(trace);
    expect(traced.requests[0]?.headers).toMatchObject({ 'X-Request-Id': trace });
    expect(traced.requests[0]?.headers['x-request-id']).toBeUndefined();
    expect(traced.requests[0]?.echoedRequestId).toBe(trace);
  });
});
