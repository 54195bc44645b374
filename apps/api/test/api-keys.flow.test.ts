import { createHash } from 'node:crypto';
import { apiKeySecretPattern } from '@evently/contracts';
import { createEventlyClient, type EventlyClient, isEventlyError } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { waitForProjection } from './analytics.fixtures.js';
import { eventInput } from './event-input.js';
import {
  joinOrganization,
  type SignedUp,
  startTestApp,
  type TestApp,
  type TestInstance,
} from './harness.js';
import { followRaw, type RawFollower, rawErrorCode, rawStats } from './live-followers.js';

// API keys end to end: made by an organization's owner and shown once, kept as a hash, acting
// for the organization within their scopes (SCOPE_MISSING beyond them, FORBIDDEN where only a
// person may act), named in the audit trail, `lastUsedAt` kept, expiring by the injected clock,
// limited per key, and revoked at once on a second instance and on an open stream.

/** The services' clock: moved by the tests, never slept on. */
let clock = Date.now();
const eventually = (check: () => void | Promise<void>) =>
  vi.waitFor(check, { timeout: 20_000, interval: 50 });

/** The code a call was refused with (or 'ok'). */
async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    if (!isEventlyError(error)) throw error;
    return error.appCode;
  }
}

describe('API keys', () => {
  let app: TestApp;
  let second: TestInstance;
  let owner: SignedUp;
  let organizationId: string;
  let addresses = 0;
  /** A client of `url` sending `secret` as its bearer, from an address of its own. */
  const keyClient = (secret: string, url = app.url): EventlyClient => {
    addresses += 1;
    const ip = `10.77.${(addresses >> 8) & 255}.${addresses & 255}`;
    return createEventlyClient({ url, apiKey: secret, headers: () => ({ 'x-forwarded-for': ip }) });
  };
  const makeKey = async (
    scopes: Parameters<EventlyClient['apiKeys']['create']['mutate']>[0]['scopes'],
    extra: { expiresAt?: string } = {},
  ) => owner.client.apiKeys.create.mutate({ organizationId, name: 'Batch job', scopes, ...extra });

  beforeAll(async () => {
    app = await startTestApp({ now: () => new Date(clock) });
    second = await app.startInstance();
    owner = await app.signUp({ role: 'organizer' });
    organizationId = (await owner.client.organizations.create.mutate({ name: 'Keyed Hall' })).id;
  });
  afterAll(async () => app?.close());

  it('shows the secret once, keeps only its hash, and lists the key without it', async () => {
    const { apiKey, secret } = await makeKey(['events:read']);
    expect(secret).toMatch(apiKeySecretPattern);
    expect(apiKey).toMatchObject({
      organizationId,
      name: 'Batch job',
      scopes: ['events:read'],
      prefix: secret.slice(0, 12),
      lastUsedAt: null,
      revokedAt: null,
      expiresAt: null,
    });
    const listed = await owner.client.apiKeys.list.query({ organizationId });
    expect(listed.map((k) => k.id)).toContain(apiKey.id);
    expect(JSON.stringify(listed)).not.toContain(secret);
    const row = await app.db.handle.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', apiKey.id)
      .executeTakeFirstOrThrow();
    expect(row.secret_hash.equals(createHash('sha256').update(secret).digest())).toBe(true);
    expect(JSON.stringify(row)).not.toContain(secret.slice(12));
  });

  it('acts for its organization within its scopes, and is named in the audit trail', async () => {
    const { apiKey, secret } = await makeKey(['events:write', 'bookings:write']);
    const job = keyClient(secret);
    // An event made by the key is its organization's, credited to the owner who made the key.
    const draft = await job.events.create.mutate(eventInput({ priceCents: 0 }));
    expect(draft.organizationId).toBe(organizationId);
    expect(draft.organizerId).toBe(owner.tokens.user.id);
    // events:write includes events:read: its own draft is visible to it.
    expect((await job.events.get.query({ id: draft.id })).id).toBe(draft.id);
    const event = await job.events.publish.mutate({ id: draft.id });
    const audit = await app.db.handle.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'actor_api_key_id'])
      .where('entity', '=', 'event')
      .where('entity_id', '=', event.id)
      .orderBy('seq')
      .execute();
    expect(audit).toEqual([
      { action: 'create', actor_id: null, actor_api_key_id: apiKey.id },
      { action: 'publish', actor_id: null, actor_api_key_id: apiKey.id },
    ]);
    // A buyer's booking, cancelled by the key: the booking's audit trail names it.
    const buyer = await app.signUp();
    const booking = await buyer.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    await job.bookings.cancel.mutate({ bookingId: booking.id, reason: 'Batch clean-up' });
    const trail = await job.bookings.audit.query({ bookingId: booking.id });
    expect(trail.items.find((entry) => entry.action === 'cancel')).toMatchObject({
      actorId: null,
      actorApiKeyId: apiKey.id,
    });
    // Beyond its scopes: told which scope it lacks, and nothing changes.
    const missing = await job.analytics.event.query({ eventId: event.id }).catch((e) => e);
    expect(isEventlyError(missing) && missing.appCode).toBe('SCOPE_MISSING');
    expect(isEventlyError(missing) && missing.httpStatus).toBe(403);
    // What only a person does: booking a seat for oneself, making keys.
    expect(await codeOf(job.bookings.create.mutate({ eventId: event.id, quantity: 1 }))).toBe(
      'FORBIDDEN',
    );
    expect(
      await codeOf(
        job.apiKeys.create.mutate({ organizationId, name: 'Child', scopes: ['events:read'] }),
      ),
    ).toBe('FORBIDDEN');
  });

  it('acts on nothing of another organization', async () => {
    const other = await app.signUp({ role: 'organizer' });
    const elsewhere = await other.client.events.create.mutate(eventInput({ priceCents: 0 }));
    const { secret } = await makeKey(['events:write']);
    const job = keyClient(secret);
    expect(await codeOf(job.events.get.query({ id: elsewhere.id }))).toBe('NOT_FOUND');
    expect(await codeOf(job.events.publish.mutate({ id: elsewhere.id }))).toBe('NOT_FOUND');
    expect(
      await codeOf(
        job.events.create.mutate(
          eventInput({ organizationId: elsewhere.organizationId, priceCents: 0 }),
        ),
      ),
    ).toBe('NOT_FOUND');
    const unchanged = await other.client.events.get.query({ id: elsewhere.id });
    expect(unchanged.status).toBe('draft');
  });

  it('is made and revoked by owners only', async () => {
    const manager = await app.signUp();
    await joinOrganization(app, owner, organizationId, manager, 'manager');
    const stranger = await app.signUp();
    const input = { organizationId, name: 'Nope', scopes: ['events:read' as const] };
    expect(await codeOf(manager.client.apiKeys.create.mutate(input))).toBe('FORBIDDEN');
    expect(await codeOf(stranger.client.apiKeys.create.mutate(input))).toBe('NOT_FOUND');
    const { apiKey } = await makeKey(['events:read']);
    expect(await codeOf(manager.client.apiKeys.revoke.mutate({ id: apiKey.id }))).toBe('FORBIDDEN');
    expect(await codeOf(stranger.client.apiKeys.revoke.mutate({ id: apiKey.id }))).toBe(
      'NOT_FOUND',
    );
    // An expiry in the past is refused; nothing is made.
    const before = (await owner.client.apiKeys.list.query({ organizationId })).length;
    const past = new Date(clock - 1_000).toISOString();
    expect(await codeOf(makeKey(['events:read'], { expiresAt: past }))).toBe('VALIDATION_FAILED');
    expect(await owner.client.apiKeys.list.query({ organizationId })).toHaveLength(before);
  });

  it('answers an unknown key like a malformed one, and records a use at most once a minute, across instances', async () => {
    const unknown = `evk_${'A'.repeat(43)}`;
    for (const bearer of [unknown, 'evk_short', `evk_${'A'.repeat(44)}`]) {
      expect(await codeOf(keyClient(bearer).events.create.mutate(eventInput()))).toBe(
        'UNAUTHENTICATED',
      );
    }
    const { apiKey, secret } = await makeKey(['events:read']);
    const job = keyClient(secret);
    await job.organizations.get.query({ id: organizationId });
    const lastUsed = async () =>
      (await owner.client.apiKeys.list.query({ organizationId })).find((k) => k.id === apiKey.id)
        ?.lastUsedAt;
    const first = await lastUsed();
    expect(first).toBe(new Date(clock).toISOString());
    clock += 30_000;
    await job.organizations.get.query({ id: organizationId });
    expect(await lastUsed()).toBe(first);
    // The other instance has not recorded this key yet: the database's own condition holds it.
    await keyClient(secret, second.url).organizations.get.query({ id: organizationId });
    expect(await lastUsed()).toBe(first);
    clock += 31_000;
    await job.organizations.get.query({ id: organizationId });
    expect(await lastUsed()).toBe(new Date(clock).toISOString());
  });

  it('is refused with API_KEY_REVOKED on the other instance at its next call', async () => {
    const { apiKey, secret } = await makeKey(['events:read']);
    const onFirst = keyClient(secret);
    const onSecond = keyClient(secret, second.url);
    // Both instances have resolved (and cached) the key.
    for (const job of [onFirst, onSecond]) {
      expect(await codeOf(job.organizations.get.query({ id: organizationId }))).toBe('ok');
    }
    const revoked = await owner.client.apiKeys.revoke.mutate({ id: apiKey.id });
    expect(revoked.revokedAt).not.toBeNull();
    for (const job of [onSecond, onFirst]) {
      expect(await codeOf(job.organizations.get.query({ id: organizationId }))).toBe(
        'API_KEY_REVOKED',
      );
    }
    // Revoking again changes nothing and answers the key as it is.
    expect((await owner.client.apiKeys.revoke.mutate({ id: apiKey.id })).revokedAt).toBe(
      revoked.revokedAt,
    );
  });

  it('ends an open stream made with a key once it is revoked, on either instance', async () => {
    const draft = await owner.client.events.create.mutate(
      eventInput({ organizationId, priceCents: 0 }),
    );
    await owner.client.events.publish.mutate({ id: draft.id });
    await waitForProjection(app.db.handle.db);
    const { apiKey, secret } = await makeKey(['analytics:read']);
    const followers: RawFollower[] = [];
    try {
      for (const url of [app.url, second.url]) {
        followers.push(await followRaw(url, secret, { eventId: draft.id }));
      }
      await eventually(() => {
        for (const follower of followers) expect(rawStats(follower)).toHaveLength(1);
      });
      await owner.client.apiKeys.revoke.mutate({ id: apiKey.id });
      await eventually(() => {
        for (const follower of followers) expect(rawErrorCode(follower)).toBe('API_KEY_REVOKED');
      });
    } finally {
      for (const follower of followers) follower.stop();
    }
  });

  // Last: it moves the clock past the owner's access token too.
  it('is refused past its expiry with TOKEN_EXPIRED', async () => {
    const { secret } = await makeKey(['events:read'], {
      expiresAt: new Date(clock + 3_600_000).toISOString(),
    });
    const job = keyClient(secret);
    expect(await codeOf(job.organizations.get.query({ id: organizationId }))).toBe('ok');
    clock += 3_600_000;
    expect(await codeOf(job.organizations.get.query({ id: organizationId }))).toBe('TOKEN_EXPIRED');
  });
});

describe('API key rate limit', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ apiKeyRequestsPerMinute: 5 });
  });
  afterAll(async () => app?.close());

  it('limits each key on its own, across instances', async () => {
    const owner = await app.signUp({ role: 'organizer' });
    const { id: organizationId } = await owner.client.organizations.create.mutate({
      name: 'Limited',
    });
    const secrets = await Promise.all(
      [1, 2].map(async () => {
        const made = await owner.client.apiKeys.create.mutate({
          organizationId,
          name: 'Job',
          scopes: ['events:read'],
        });
        return made.secret;
      }),
    );
    const second = await app.startInstance();
    const call = (secret: string, url: string) =>
      createEventlyClient({ url, apiKey: secret }).organizations.get.query({ id: organizationId });
    const [busy = '', idle = ''] = secrets;
    for (let i = 0; i < 5; i++) await call(busy, i % 2 === 0 ? app.url : second.url);
    const refused = await call(busy, second.url).catch((error: unknown) => error);
    expect(isEventlyError(refused) && refused.appCode).toBe('RATE_LIMITED');
    expect(
      isEventlyError(refused) && (refused.details as { retryAfterSeconds?: number } | undefined),
    ).toMatchObject({ retryAfterSeconds: expect.any(Number) });
    // Another key of the same organization is not held back by it.
    expect((await call(idle, app.url)).id).toBe(organizationId);
  });
});
