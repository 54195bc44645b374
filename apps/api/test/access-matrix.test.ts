import type { Event } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS, type AccessClass } from './access-classes.js';
import { eventInput } from './event-input.js';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';
import { callRaw, routerProcedures, sampleInputs } from './router-procedures.js';

// Every procedure of the router (read from the router) called as every kind of caller, each
// answer checked against the procedure's access class.

type Caller = 'anonymous' | 'user' | 'organizer' | 'otherOrganizer' | 'admin';
const CALLERS: Caller[] = ['anonymous', 'user', 'organizer', 'otherOrganizer', 'admin'];

/**
 * What a caller must get: `allowed` (past every access check: the call's own answer, never an
 * auth refusal), `served` (allowed, and a success: the owner reading its own event), `refused`
 * (FORBIDDEN or NOT_FOUND: not yours), or the wall's own code.
 */
type Expected = 'allowed' | 'served' | 'refused' | 'UNAUTHENTICATED' | 'FORBIDDEN';

function expected(access: AccessClass, caller: Caller): Expected {
  if (caller === 'admin') return access === 'owner' ? 'served' : 'allowed';
  if (caller === 'anonymous') return access === 'public' ? 'allowed' : 'UNAUTHENTICATED';
  if (access === 'admin') return 'FORBIDDEN';
  if (caller === 'user') {
    if (access === 'organizer') return 'FORBIDDEN';
    return access === 'owner' ? 'refused' : 'allowed';
  }
  if (access === 'owner') return caller === 'organizer' ? 'served' : 'refused';
  return 'allowed';
}

const WALL = ['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'SESSION_REVOKED', 'FORBIDDEN'];

function verdict(status: number, appCode: string | undefined): Expected | string {
  if (status === 200 && appCode === undefined) return 'served';
  if (appCode === undefined) return `no appCode (${status})`;
  return appCode;
}

function matches(want: Expected, got: string): boolean {
  switch (want) {
    case 'served':
      return got === 'served';
    case 'allowed':
      return got === 'served' || !WALL.includes(got);
    case 'refused':
      return got === 'FORBIDDEN' || got === 'NOT_FOUND';
    default:
      return got === want;
  }
}

describe('access matrix: every procedure, every caller', () => {
  let app: TestApp;
  let event: Event;
  /** The organizer's personal organization (made with their first event). */
  let organizationId: string;
  let organizerId: string;
  const emails: Partial<Record<Caller, string>> = {};
  const tokens: Partial<Record<Caller, string>> = {};
  let throwaway: string;
  let addresses = 0;
  const address = () => {
    addresses += 1;
    return `10.66.${(addresses >> 8) & 255}.${addresses & 255}`;
  };

  beforeAll(async () => {
    app = await startTestApp();
    const [user, organizer, otherOrganizer, admin, spare] = await Promise.all([
      app.signUp(),
      app.signUp({ role: 'organizer' }),
      app.signUp({ role: 'organizer' }),
      app.admin(),
      app.signUp(),
    ]);
    for (const [caller, signed] of [
      ['user', user],
      ['organizer', organizer],
      ['otherOrganizer', otherOrganizer],
      ['admin', admin],
    ] as const) {
      emails[caller] = signed.email;
      tokens[caller] = signed.tokens.accessToken;
    }
    throwaway = spare.email;
    const draft = await organizer.client.events.create.mutate(
      eventInput({ title: 'Owned', priceCents: 0 }),
    );
    event = await organizer.client.events.publish.mutate({ id: draft.id });
    organizationId = draft.organizationId;
    organizerId = organizer.tokens.user.id;
  });
  afterAll(async () => app?.close());

  /** A fresh session of `email` (a call that ends its session must not end the caller's). */
  const login = (email: string) =>
    app
      .client(undefined, { 'x-forwarded-for': address() })
      .auth.login.mutate({ email, password: TEST_PASSWORD });

  /** A new member of the organization (for a removal that succeeds when allowed). */
  async function newMember(): Promise<string> {
    const { tokens } = await app.signUp();
    await app.db.handle.db
      .insertInto('organization_members')
      .values({ organization_id: organizationId, user_id: tokens.user.id, role: 'viewer' })
      .execute();
    return tokens.user.id;
  }

  /** What the organization's owner may do again and again, each call a success. */
  const organizationInputs: Record<string, () => Promise<unknown>> = {
    'organizations.get': async () => ({ id: organizationId }),
    'organizations.update': async () => ({ id: organizationId, name: 'Owned organization' }),
    'organizations.members.list': async () => ({ organizationId }),
    'organizations.members.invite': async () => ({
      organizationId,
      email: 'invitee@example.com',
      role: 'viewer',
    }),
    'organizations.members.setRole': async () => ({
      organizationId,
      userId: organizerId,
      role: 'owner',
    }),
    'organizations.members.remove': async () => ({ organizationId, userId: await newMember() }),
  };

  /** The input for `path`: the samples, with the owned event or organization where ownership decides. */
  async function inputFor(path: string, samples: Record<string, unknown>): Promise<unknown> {
    const organizationInput = organizationInputs[path];
    if (organizationInput) return organizationInput();
    if (ACCESS[path] === 'owner') return { eventId: event.id };
    if (path === 'events.get') return { id: event.id };
    if (path === 'auth.refresh') return { refreshToken: (await login(throwaway)).refreshToken };
    return samples[path];
  }

  it('classifies every procedure of the router, and nothing else', () => {
    const paths = routerProcedures.map((p) => p.path).sort();
    expect(paths.length).toBeGreaterThan(40);
    expect(Object.keys(ACCESS).sort()).toEqual(paths);
  });

  it('answers every caller as its class says', async () => {
    const samples = sampleInputs();
    const wrong: unknown[] = [];
    let calls = 0;
    for (const procedure of routerProcedures) {
      const access = ACCESS[procedure.path];
      if (!access) continue; // reported by the test above
      for (const caller of CALLERS) {
        const email = emails[caller];
        let token = tokens[caller];
        // logout ends the session it is called with: give it one of its own.
        if (procedure.path === 'auth.logout' && email) token = (await login(email)).accessToken;
        const answer = await callRaw(app.url, procedure, await inputFor(procedure.path, samples), {
          'x-forwarded-for': address(),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        });
        calls += 1;
        const want = expected(access, caller);
        const got = verdict(answer.status, answer.appCode);
        if (!matches(want, got)) wrong.push({ path: procedure.path, access, caller, want, got });
      }
    }
    expect(calls).toBe(routerProcedures.length * CALLERS.length);
    expect(wrong).toEqual([]);
  });
});
