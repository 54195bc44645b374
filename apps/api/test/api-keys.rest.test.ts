import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from './capture-log.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';

// A batch job with nothing but an API key and plain HTTP: it reads its organization's draft,
// records a payment received, and is told SCOPE_MISSING, API_KEY_REVOKED in the REST error body.
// Neither the key nor its hash is ever logged.

interface Answer {
  status: number;
  body: { error?: { appCode: string; details?: Record<string, unknown> } } & Record<
    string,
    unknown
  >;
}

describe('API keys over REST', () => {
  let app: TestApp;
  let owner: SignedUp;
  let organizationId: string;
  const captured = captureLog();

  async function call(method: string, path: string, key: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${app.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  }

  beforeAll(async () => {
    app = await startTestApp({ log: captured.log });
    owner = await app.signUp({ role: 'organizer' });
    organizationId = (await owner.client.organizations.create.mutate({ name: 'REST Hall' })).id;
  });
  afterAll(async () => app?.close());

  it('reads, records a payment, and is refused beyond its scopes and once revoked', async () => {
    const draft = await owner.client.events.create.mutate(
      eventInput({ organizationId, priceCents: 2_500, capacity: 10 }),
    );
    const event = await owner.client.events.publish.mutate({ id: draft.id });
    const buyer = await app.signUp();
    const hold = await buyer.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const { apiKey, secret } = await owner.client.apiKeys.create.mutate({
      organizationId,
      name: 'Box office till',
      scopes: ['bookings:write'],
    });

    // bookings:write includes bookings:read.
    const read = await call('GET', `/bookings/${hold.id}`, secret);
    expect(read).toMatchObject({ status: 200, body: { id: hold.id, status: 'pending' } });
    const paid = await call('POST', `/bookings/${hold.id}/payments`, secret, {
      amountCents: hold.totalCents,
      currency: hold.currency,
      method: 'cash',
      reference: 'Till 3',
    });
    expect(paid).toMatchObject({ status: 200, body: { id: hold.id, status: 'confirmed' } });
    const ledger = await call('GET', `/bookings/${hold.id}/payments`, secret);
    expect(ledger.body.payments).toMatchObject([{ method: 'cash', reference: 'Till 3' }]);

    // Beyond its scopes: 403 SCOPE_MISSING naming the scope; the event is unchanged.
    const refused = await call('POST', `/events/${event.id}/cancel`, secret, { reason: 'No' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({
      appCode: 'SCOPE_MISSING',
      details: { scope: 'events:write' },
    });
    expect((await owner.client.events.get.query({ id: event.id })).status).toBe('published');

    await owner.client.apiKeys.revoke.mutate({ id: apiKey.id });
    const revoked = await call('GET', `/bookings/${hold.id}`, secret);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error?.appCode).toBe('API_KEY_REVOKED');

    // The request lines of these calls are there; the secret and its hash are not.
    const text = captured.lines().map((line) => JSON.stringify(line));
    expect(text.some((line) => line.includes('request completed'))).toBe(true);
    const hash = createHash('sha256').update(secret).digest('hex');
    for (const secretText of [secret, secret.slice(4), hash]) {
      expect(text.filter((line) => line.includes(secretText))).toEqual([]);
    }
  });
});
