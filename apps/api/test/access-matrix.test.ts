import type { MemberRole } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS, type AccessClass } from './access-classes.js';
import { buildMatrixWorld, type MatrixWorld, type PersonCaller } from './access-matrix.fixtures.js';
import { callRaw, routerProcedures, sampleInputs } from './router-procedures.js';

// Every procedure of the router (read from the router) called as every kind of caller, each
// answer checked against the procedure's access class: the platform's callers, and the members
// of the organization that owns the event under test, one per role.

type Caller = 'anonymous' | PersonCaller;
const CALLERS: Caller[] = [
  'anonymous',
  'user',
  'nonMember',
  'owner',
  'manager',
  'staff',
  'viewer',
  'admin',
];
const MEMBER_ROLES: Partial<Record<Caller, MemberRole>> = {
  owner: 'owner',
  manager: 'manager',
  staff: 'staff',
  viewer: 'viewer',
};
/** Platform organizers: the owner (who made the organization) and an organizer outside it. */
const ORGANIZERS: Caller[] = ['owner', 'nonMember'];

/**
 * What a caller must get: `allowed` (past every access check: the call's own answer, never an
 * auth refusal), `served` (allowed, and a success: a member acting on their organization's
 * event), `refused` (FORBIDDEN or NOT_FOUND: not theirs), or the wall's own code.
 */
type Expected = 'allowed' | 'served' | 'refused' | 'UNAUTHENTICATED' | 'FORBIDDEN';

function expected(access: AccessClass, caller: Caller): Expected {
  if (caller === 'anonymous') return access === 'public' ? 'allowed' : 'UNAUTHENTICATED';
  if (typeof access === 'object') {
    if (caller === 'admin') return 'served';
    const role = MEMBER_ROLES[caller];
    return role && access.members.includes(role) ? 'served' : 'refused';
  }
  if (caller === 'admin') return 'allowed';
  if (access === 'admin') return 'FORBIDDEN';
  if (access === 'organizer') return ORGANIZERS.includes(caller) ? 'allowed' : 'FORBIDDEN';
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
  let world: MatrixWorld;

  beforeAll(async () => {
    world = await buildMatrixWorld();
  });
  afterAll(async () => world?.app.close());

  it('classifies every procedure of the router, and nothing else', () => {
    // A class per procedure: one with a target of an organization needs its input (the fixtures').
    for (const [path, access] of Object.entries(ACCESS)) {
      if (typeof access === 'object') expect(world.targetInputs[path], path).toBeDefined();
    }
    const paths = routerProcedures.map((p) => p.path).sort();
    expect(paths.length).toBeGreaterThan(40);
    expect(Object.keys(ACCESS).sort()).toEqual(paths);
  });

  // Hundreds of calls, some of them minutes of a loaded machine's time in all.
  it('answers every caller as its class says', { timeout: 600_000 }, async () => {
    const { app, emails, tokens, address, login, inputFor } = world;
    const samples = sampleInputs();
    const wrong: unknown[] = [];
    let calls = 0;
    for (const procedure of routerProcedures) {
      const access = ACCESS[procedure.path];
      if (!access) continue; // reported by the test above
      for (const caller of CALLERS) {
        const email = caller === 'anonymous' ? undefined : emails[caller];
        let token = caller === 'anonymous' ? undefined : tokens[caller];
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
