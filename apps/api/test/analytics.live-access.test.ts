import { isEventlyError } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { waitForProjection } from './analytics.fixtures.js';
import { eventInput } from './event-input.js';
import {
  invitationCodeIn,
  type SignedUp,
  startTestApp,
  TEST_PASSWORD,
  type TestApp,
  type TestInstance,
} from './harness.js';
import {
  followRaw,
  followWithSdk,
  type RawFollower,
  rawError,
  rawErrorCode,
  rawStats,
  type SdkFollower,
} from './live-followers.js';
import { type SdkClient, sdkClient } from './sdk-client.js';

// An analytics.live stream ends, with a typed error the SDK hands to onError, within a few
// seconds of its caller losing access — on every instance: revocations are published on pub/sub
// by the code that invalidates cached session states, and each stream re-checks on a timer too.
// Every case follows on two API processes, through the SDK and as raw SSE (to see the server
// close the response and send nothing after the error).

/** "Within a few seconds", with room for a loaded two-core machine. */
const BOUND_MS = 10_000;
const eventually = (check: () => void | Promise<void>) =>
  vi.waitFor(check, { timeout: 20_000, interval: 50 });
const withinBound = (check: () => void) => vi.waitFor(check, { timeout: BOUND_MS, interval: 20 });

interface Watched {
  organizer: SignedUp;
  eventId: string;
  sdk: SdkFollower[];
  raw: RawFollower[];
}

/** Every stream a case opened, stopped before its app closes (open SSE responses hold it up). */
const opened: Array<{ stop(): void }> = [];
const stopAll = () => {
  for (const stream of opened.splice(0)) stream.stop();
};

/** An organizer's published event (projected, so a stream starts with its figures). */
async function organizerWithEvent(app: TestApp) {
  const organizer = await app.signUp({ role: 'organizer' });
  const event = await organizer.client.events.create.mutate(
    eventInput({ capacity: 50, priceCents: 0, maxPerBooking: 1 }),
  );
  await organizer.client.events.publish.mutate({ id: event.id });
  await waitForProjection(app.db.handle.db);
  return { organizer, eventId: event.id };
}

/** Follows `eventId` on every url with `bearer`: through an SDK session and as raw SSE. */
async function follow(urls: string[], tokens: SignedUp['tokens'], eventId: string) {
  const sdk = urls.map((url) => followWithSdk(url, tokens, { eventId }));
  const raw = await Promise.all(urls.map((url) => followRaw(url, tokens.accessToken, { eventId })));
  opened.push(...sdk, ...raw);
  await eventually(() => {
    for (const s of sdk) expect(s.updates).toHaveLength(1);
    for (const r of raw) expect(rawStats(r)).toHaveLength(1);
  });
  return { sdk, raw };
}

/** Every stream ended with `appCode` within the bound; returns how long each took (ms). */
async function expectEnded(watched: Watched, appCode: string, since: number): Promise<number[]> {
  await withinBound(() => {
    for (const s of watched.sdk) expect(s.errors).toHaveLength(1);
    for (const r of watched.raw) expect(rawErrorCode(r)).toBe(appCode);
  });
  for (const s of watched.sdk) {
    const [error] = s.errors;
    expect(isEventlyError(error)).toBe(true);
    expect(isEventlyError(error) && error.appCode).toBe(appCode);
  }
  // The server closed each response after the error, and sent nothing after it. The error has
  // its own status (tRPC clients reconnect after a 5xx one, to be refused again).
  await Promise.all(watched.raw.map((r) => r.closed));
  for (const r of watched.raw) {
    expect(r.events.at(-1)?.event).toBe('serialized-error');
    expect(rawError(r).httpStatus).toBe(appCode === 'FORBIDDEN' ? 403 : 401);
  }
  return watched.sdk.map((s) => (s.failedAt ?? Number.NaN) - since);
}

describe('analytics.live after a published revocation, on two instances', () => {
  let app: TestApp;
  let other: TestInstance;
  let admin: SignedUp;
  let buyer: SignedUp;

  beforeAll(async () => {
    // The timer net is out of reach: only the published revocation can end a stream in time.
    app = await startTestApp({ streamCheckMs: 600_000 });
    other = await app.startInstance();
    [admin, buyer] = await Promise.all([app.admin(), app.signUp()]);
  });
  afterAll(async () => {
    stopAll();
    await app?.close();
  });

  async function watched(): Promise<Watched> {
    const { organizer, eventId } = await organizerWithEvent(app);
    return {
      organizer,
      eventId,
      ...(await follow([app.url, other.url], organizer.tokens, eventId)),
    };
  }

  /** A booking after the end reaches a stream still allowed (the admin's), not the ended ones. */
  async function expectSilent(w: Watched) {
    const control = followWithSdk(other.url, admin.tokens, { eventId: w.eventId });
    opened.push(control);
    await eventually(() => expect(control.updates).toHaveLength(1));
    const counts = w.sdk.map((s) => s.updates.length);
    await buyer.client.bookings.create.mutate({ eventId: w.eventId, quantity: 1 });
    await eventually(() => expect(control.updates.at(-1)?.data.ticketsSold).toBe(1));
    expect(w.sdk.map((s) => s.updates.length)).toEqual(counts);
  }

  it('logout (on the other instance) ends the session’s streams with SESSION_REVOKED; the SDK signs out', async () => {
    const w = await watched();
    const since = Date.now();
    await other.client(w.organizer.tokens.accessToken).auth.logout.mutate();
    const took = await expectEnded(w, 'SESSION_REVOKED', since);
    for (const s of w.sdk) expect(s.sdk.signedOut).toEqual(['SESSION_REVOKED']);
    expect(Math.max(...took)).toBeLessThan(BOUND_MS);
    await expectSilent(w);
  });

  it('deactivation by an admin ends the user’s streams with SESSION_REVOKED', async () => {
    const w = await watched();
    const since = Date.now();
    await admin.client.auth.users.setActive.mutate({
      userId: w.organizer.tokens.user.id,
      active: false,
    });
    await expectEnded(w, 'SESSION_REVOKED', since);
    for (const s of w.sdk) expect(s.sdk.signedOut).toEqual(['SESSION_REVOKED']);
    await expectSilent(w);
  });

  it('demotion of an admin (on the other instance) ends their streams of others’ events with FORBIDDEN; still signed in', async () => {
    const { eventId } = await organizerWithEvent(app);
    // The platform role decides only an admin's reach: an organizer keeps their organization's.
    const demoted = await app.signUp();
    await admin.client.auth.users.setRole.mutate({ userId: demoted.tokens.user.id, role: 'admin' });
    const w: Watched = {
      organizer: demoted,
      eventId,
      ...(await follow([app.url, other.url], demoted.tokens, eventId)),
    };
    const since = Date.now();
    await other.client(admin.tokens.accessToken).auth.users.setRole.mutate({
      userId: demoted.tokens.user.id,
      role: 'user',
    });
    await expectEnded(w, 'FORBIDDEN', since);
    for (const s of w.sdk) expect(s.sdk.signedOut).toEqual([]);
    await expectSilent(w);
  });

  it('removal from the organization (on the other instance) ends a member’s streams with FORBIDDEN, and their next call', async () => {
    const { organizer, eventId } = await organizerWithEvent(app);
    const [mine] = await organizer.client.organizations.mine.query();
    if (!mine) throw new Error('the event made a personal organization');
    const organizationId = mine.organization.id;
    const member = await app.signUp({ role: 'organizer' });
    await organizer.client.organizations.members.invite.mutate({
      organizationId,
      email: member.email,
      role: 'viewer',
    });
    const code = invitationCodeIn(await app.mail(member.email, /invited/));
    await member.client.organizations.invitations.accept.mutate({ code });
    const w: Watched = {
      organizer: member,
      eventId,
      ...(await follow([app.url, other.url], member.tokens, eventId)),
    };
    const since = Date.now();
    await organizer.client.organizations.members.remove.mutate({
      organizationId,
      userId: member.tokens.user.id,
    });
    const onOther = other.client(member.tokens.accessToken);
    await expect(onOther.analytics.event.query({ eventId })).rejects.toMatchObject({
      data: { appCode: 'FORBIDDEN' },
    });
    const took = await expectEnded(w, 'FORBIDDEN', since);
    expect(Math.max(...took)).toBeLessThan(5_000);
    for (const s of w.sdk) expect(s.sdk.signedOut).toEqual([]);
    await expectSilent(w);
  });

  it('an instance that stops ends its streams with SERVICE_UNAVAILABLE (clients reconnect elsewhere) instead of waiting for them', async () => {
    const { organizer, eventId } = await organizerWithEvent(app);
    const leaving = await app.startInstance();
    const raw = await followRaw(leaving.url, organizer.tokens.accessToken, { eventId });
    opened.push(raw);
    await eventually(() => expect(rawStats(raw)).toHaveLength(1));
    const started = Date.now();
    await leaving.close();
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
    await raw.closed;
    // A 503: tRPC clients reconnect from it (with their last id), unlike from a refusal.
    expect(rawError(raw)).toEqual({ appCode: 'SERVICE_UNAVAILABLE', httpStatus: 503 });
  });

  it('a session change that leaves access alone (a refresh) ends nothing', async () => {
    const w = await watched();
    await app.client().auth.refresh.mutate({ refreshToken: w.organizer.tokens.refreshToken });
    await buyer.client.bookings.create.mutate({ eventId: w.eventId, quantity: 1 });
    await eventually(() => {
      for (const s of w.sdk) expect(s.updates.map((u) => u.data.ticketsSold)).toEqual([0, 1]);
    });
    for (const s of w.sdk) expect(s.errors).toEqual([]);
    for (const r of w.raw) expect(rawErrorCode(r)).toBeUndefined();
  });
});

describe('analytics.live on the timer: a lost revocation, an expired token', () => {
  let app: TestApp;
  let other: TestInstance;
  let buyer: SdkClient;
  /** How far the API's clock runs ahead of the real one. */
  let skewMs = 0;
  const TTL_SECONDS = 900;

  beforeAll(async () => {
    app = await startTestApp({
      streamCheckMs: 1_000,
      accessTokenTtlSeconds: TTL_SECONDS,
      now: () => new Date(Date.now() + skewMs),
    });
    other = await app.startInstance();
    // A session that refreshes: its token expires with the clock too.
    buyer = sdkClient(app.url, { tokens: (await app.signUp()).tokens });
  });
  afterAll(async () => {
    stopAll();
    await app?.close();
  });

  it('a revocation whose message was lost still ends the streams, at the next timer check', async () => {
    const { organizer, eventId } = await organizerWithEvent(app);
    const w = {
      organizer,
      eventId,
      ...(await follow([app.url, other.url], organizer.tokens, eventId)),
    };
    // What logout does, without the publish: the row, then the cached state.
    const db = app.db.handle.db;
    const revoked = await db
      .updateTable('sessions')
      .set({ revoked_at: new Date(), revoked_reason: 'logout' })
      .where('user_id', '=', organizer.tokens.user.id)
      .returning('id')
      .execute();
    expect(revoked).toHaveLength(1);
    await app.platform.cache.del(...revoked.map((s) => `auth:session:${s.id}`));
    await expectEnded(w, 'SESSION_REVOKED', Date.now());
  });

  it('an access token that expires ends a stream with TOKEN_EXPIRED; the SDK refreshes and resumes, every time', async () => {
    const { organizer, eventId } = await organizerWithEvent(app);
    // One session per SDK client: two clients refreshing one refresh token would be a reuse.
    const second = await app.client().auth.login.mutate({
      email: organizer.email,
      password: TEST_PASSWORD,
    });
    const sessions = [
      followWithSdk(app.url, organizer.tokens, { eventId }),
      followWithSdk(other.url, second, { eventId }),
    ];
    opened.push(...sessions);
    const raw = await Promise.all(
      [app.url, other.url].map((url) => followRaw(url, organizer.tokens.accessToken, { eventId })),
    );
    opened.push(...raw);
    const sold = (s: SdkFollower) => s.updates.map((u) => u.data.ticketsSold);
    await eventually(() => {
      for (const s of sessions) expect(sold(s)).toEqual([0]);
      for (const r of raw) expect(rawStats(r)).toHaveLength(1);
    });

    for (let round = 1; round <= 2; round += 1) {
      skewMs += (TTL_SECONDS + 1) * 1000;
      if (round === 1) {
        // Fixed bearers (no session to refresh): the streams end, and the server closes them.
        await withinBound(() => {
          for (const r of raw)
            expect(rawError(r)).toEqual({ appCode: 'TOKEN_EXPIRED', httpStatus: 401 });
        });
        await Promise.all(raw.map((r) => r.closed));
      }
      await withinBound(() => {
        for (const s of sessions) expect(s.sdk.http.count('auth.refresh')).toBe(round);
      });
      await buyer.client.bookings.create.mutate({ eventId, quantity: 1 });
      await eventually(() => {
        for (const s of sessions)
          expect(sold(s)).toEqual(Array.from({ length: round + 1 }, (_, i) => i));
      });
    }
    for (const s of sessions) {
      expect(s.errors).toEqual([]);
      expect(s.sdk.signedOut).toEqual([]);
      // Resumed after the last update each time: every figure once, in order.
      const ids = s.updates.map((u) => BigInt(u.id));
      for (let i = 1; i < ids.length; i += 1) expect(ids[i]).toBeGreaterThan(ids[i - 1] ?? 0n);
    }
  });
});
