import type { TokenPair } from '@evently/contracts';
import { isEventlyError, memoryTokenStore } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';
import { sdkClient } from './sdk-client.js';

// The SDK's session against the real API with 3-second access tokens: refresh before expiry,
// exactly one refresh for many concurrent callers (the server revokes a session whose refresh
// token is presented twice), sign-out on reuse and revocation.
const TTL_SECONDS = 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Until the server refuses `pair`'s access token as expired. */
const untilExpired = (pair: TokenPair) =>
  sleep(Math.max(0, Date.parse(pair.accessTokenExpiresAt) - Date.now() + 100));

describe('SDK session', () => {
  let app: TestApp;
  /** Set, the API's clock stands still at this time (ms); unset, it is the real one. */
  let serverNow: number | undefined;

  beforeAll(async () => {
    app = await startTestApp({
      accessTokenTtlSeconds: TTL_SECONDS,
      now: () => new Date(serverNow ?? Date.now()),
    });
  });
  afterAll(async () => app?.close());

  /** The session rows of a user: how often each was rotated, whether it was revoked. */
  const sessionsOf = (userId: string) =>
    app.db.handle.db
      .selectFrom('sessions')
      .select(['rotation_counter', 'revoked_at', 'revoked_reason'])
      .where('user_id', '=', userId)
      .execute();

  it('login keeps the pair and signs every call; logout ends the session on the server', async () => {
    const { email } = await app.signUp();
    const { client, http, signedOut } = sdkClient(app.url);
    const changes: Array<TokenPair | null> = [];
    client.session.onChange((tokens) => void changes.push(tokens));

    const pair = await client.session.login({ email, password: TEST_PASSWORD });
    expect(await client.session.tokens()).toEqual(pair);
    expect((await client.auth.me.query()).email).toBe(email);
    const me = http.requests.find((r) => r.procedures.includes('auth.me'));
    expect(me?.headers.authorization).toBe(`Bearer ${pair.accessToken}`);
    // The login request itself carries no bearer.
    expect(http.requests[0]?.procedures).toEqual(['auth.login']);
    expect(http.requests[0]?.headers.authorization).toBeUndefined();

    await client.session.logout();
    expect(http.count('auth.logout')).toBe(1);
    expect(await client.session.tokens()).toBeNull();
    expect(signedOut).toEqual(['logout']);
    expect(changes).toEqual([pair, null]);
    await expectAppCode(app.client(pair.accessToken).auth.me.query(), 'SESSION_REVOKED');
    // Signed out, calls go out anonymous.
    await expectAppCode(client.auth.me.query(), 'UNAUTHENTICATED');
    expect(http.requests.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('20 parallel calls with an expired token cause exactly one auth.refresh', async () => {
    const user = await app.signUp();
    const { client, http, signedOut } = sdkClient(app.url, {
      tokens: user.tokens,
      auth: { refreshLeewaySeconds: 0 },
    });
    await untilExpired(user.tokens);
    await expectAppCode(app.client(user.tokens.accessToken).auth.me.query(), 'TOKEN_EXPIRED');

    const answers = await Promise.all(Array.from({ length: 20 }, () => client.auth.me.query()));
    expect(answers.map((a) => a.id)).toEqual(Array(20).fill(user.tokens.user.id));
    expect(http.count('auth.refresh')).toBe(1);
    // Refreshed before sending: the server never saw the expired token.
    expect(http.requests.filter((r) => r.status === 401)).toEqual([]);
    expect(await sessionsOf(user.tokens.user.id)).toEqual([
      { rotation_counter: 1, revoked_at: null, revoked_reason: null },
    ]);
    expect(signedOut).toEqual([]);
  });

  it('when the server answers TOKEN_EXPIRED to calls in several HTTP requests, one refresh serves them all', async () => {
    const user = await app.signUp();
    await untilExpired(user.tokens);
    // The client believes the token is good for an hour (a skewed clock, a pair from elsewhere):
    // only the server's answer tells it otherwise.
    const believed = {
      ...user.tokens,
      accessTokenExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    const { client, http, signedOut } = sdkClient(app.url, { tokens: believed });
    // The refresh takes a while (3 s: the 20 ms pauses below may stretch on a loaded machine), so
    // every batch below meets TOKEN_EXPIRED before it is done.
    http.delay('auth.refresh', 3_000);

    const calls: Promise<{ id: string }>[] = [];
    for (let group = 0; group < 4; group += 1) {
      for (let i = 0; i < 5; i += 1) calls.push(client.auth.me.query());
      await sleep(20);
    }
    const answers = await Promise.all(calls);
    expect(answers.map((a) => a.id)).toEqual(Array(20).fill(user.tokens.user.id));
    const refused = http.requests.filter((r) => r.status === 401);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    for (const r of refused) expect(r.headers.authorization).toBe(`Bearer ${believed.accessToken}`);
    expect(http.count('auth.refresh')).toBe(1);
    const fresh = await client.session.tokens();
    expect(fresh?.accessToken).not.toBe(believed.accessToken);
    expect(await sessionsOf(user.tokens.user.id)).toEqual([
      { rotation_counter: 1, revoked_at: null, revoked_reason: null },
    ]);
    expect(signedOut).toEqual([]);
  });

  it('refreshes refreshLeewaySeconds before expiry, while the old token still works', async () => {
    const { email } = await app.signUp();
    // Both clocks stand still and move only by hand, so no pause of this machine makes the
    // token expire early (for the server) or the refresh come late (for the SDK).
    serverNow = Date.now();
    let sdkNow = serverNow;
    try {
      const { client, http } = sdkClient(app.url, {
        auth: { refreshLeewaySeconds: 1, now: () => sdkNow },
      });
      const pair = await client.session.login({ email, password: TEST_PASSWORD });
      await client.auth.me.query();
      expect(http.count('auth.refresh')).toBe(0);

      // 950 ms before expiry, by both clocks: inside the 1 s leeway.
      serverNow = Date.parse(pair.accessTokenExpiresAt) - 950;
      sdkNow = serverNow;
      await client.auth.me.query();
      expect(http.count('auth.refresh')).toBe(1);
      const [refresh, me] = http.requests.slice(-2);
      expect(refresh?.procedures).toEqual(['auth.refresh']);
      expect(me?.procedures).toEqual(['auth.me']);
      const now = await client.session.tokens();
      expect(me?.headers.authorization).toBe(`Bearer ${now?.accessToken}`);
      expect(now?.accessToken).not.toBe(pair.accessToken);
      // The old token had not expired yet: the refresh came first, not after a refusal.
      expect(http.requests.filter((r) => r.status === 401)).toEqual([]);
      await app.client(pair.accessToken).auth.me.query();
    } finally {
      serverNow = undefined;
    }
  });

  it('signs out once when its refresh token was already rotated (REFRESH_TOKEN_REUSED)', async () => {
    const user = await app.signUp();
    // Someone else (a stolen copy, another tab without shared storage) refreshed first.
    const rotated = await app.client().auth.refresh.mutate({
      refreshToken: user.tokens.refreshToken,
    });
    const { client, http, signedOut } = sdkClient(app.url, { tokens: user.tokens });
    const changes: Array<TokenPair | null> = [];
    client.session.onChange((tokens) => void changes.push(tokens));
    await untilExpired(user.tokens);

    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => client.auth.me.query()),
    );
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const reason = result.status === 'rejected' ? result.reason : undefined;
      expect(isEventlyError(reason, 'REFRESH_TOKEN_REUSED')).toBe(true);
    }
    expect(http.count('auth.refresh')).toBe(1);
    expect(signedOut).toEqual(['REFRESH_TOKEN_REUSED']);
    expect(changes).toEqual([null]);
    expect(await client.session.tokens()).toBeNull();
    // The server ended the whole family: the other holder is out too.
    await expectAppCode(
      app.client().auth.refresh.mutate({ refreshToken: rotated.refreshToken }),
      'SESSION_REVOKED',
    );
  });

  it('signs out when a call answers SESSION_REVOKED for the current token', async () => {
    const { email } = await app.signUp();
    const { client, signedOut } = sdkClient(app.url);
    await client.session.login({ email, password: TEST_PASSWORD });
    const other = sdkClient(app.url);
    await other.client.session.login({ email, password: TEST_PASSWORD });
    const sessions = await other.client.auth.sessions.list.query();
    const first = sessions.find((s) => !s.current);
    if (!first) throw new Error('first session not listed');
    await other.client.auth.sessions.revoke.mutate({ sessionId: first.id });

    const error = await client.auth.me.query().catch((e: unknown) => e);
    expect(isEventlyError(error, 'SESSION_REVOKED')).toBe(true);
    expect(signedOut).toEqual(['SESSION_REVOKED']);
    expect(await client.session.tokens()).toBeNull();
    expect(other.signedOut).toEqual([]);
    expect((await other.client.auth.me.query()).email).toBe(email);
  });

  it('a refresh that fails for good (unknown refresh token) signs out with REFRESH_FAILED', async () => {
    const user = await app.signUp();
    const { client, signedOut } = sdkClient(app.url, {
      tokens: { ...user.tokens, refreshToken: 'evr_not-a-token-this-server-issued' },
    });
    const error = await client.session.refresh().catch((e: unknown) => e);
    expect(isEventlyError(error, 'UNAUTHENTICATED')).toBe(true);
    expect(signedOut).toEqual(['REFRESH_FAILED']);
    expect(await client.session.tokens()).toBeNull();
  });

  it('a booking retried after TOKEN_EXPIRED keeps its generated idempotency key: one booking', async () => {
    const organizer = await app.signUp({ role: 'organizer' });
    const org = sdkClient(app.url, { tokens: organizer.tokens });
    const event = await org.client.events.create.mutate(eventInput({ priceCents: 0 }));
    await org.client.events.publish.mutate({ id: event.id });

    const alice = await app.signUp();
    await untilExpired(alice.tokens);
    const { client, http } = sdkClient(app.url, {
      tokens: {
        ...alice.tokens,
        accessTokenExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    const booking = await client.bookings.create.mutate({ eventId: event.id, quantity: 1 });

    const tries = http.requests.filter((r) => r.procedures.includes('bookings.create'));
    expect(tries.map((r) => r.status)).toEqual([401, 200]);
    const keys = tries.map(
      (r) =>
        (JSON.parse(r.body ?? '{}') as Record<string, { idempotencyKey?: string }>)['0']
          ?.idempotencyKey,
    );
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    const mine = await client.bookings.mine.query({});
    expect(mine.items.map((b) => b.id)).toEqual([booking.id]);
  });

  it('setTokens adopts a pair obtained elsewhere; clients sharing a store share the session', async () => {
    const user = await app.signUp();
    const store = memoryTokenStore();
    const first = sdkClient(app.url, { store });
    await first.client.session.setTokens(user.tokens);
    expect(store.get()).toEqual(user.tokens);
    const second = sdkClient(app.url, { store });
    expect((await second.client.auth.me.query()).id).toBe(user.tokens.user.id);
    expect(second.http.requests[0]?.headers.authorization).toBe(
      `Bearer ${user.tokens.accessToken}`,
    );
    await first.client.session.setTokens(null);
    await expectAppCode(second.client.auth.me.query(), 'UNAUTHENTICATED');
    // Forgetting a pair locally is not a sign-out by the server or the user.
    expect(first.signedOut).toEqual([]);
  });
});
