import { type ApiKeyScope, apiKeyScopes } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathsOf } from './access-classes.js';
import { BEARER_UNREAD, KEY_ACCESS, type KeyAccess } from './access-classes.keys.js';
import { buildMatrixWorld, type MatrixWorld } from './access-matrix.fixtures.js';
import { callRaw, type RawAnswer, routerProcedures, sampleInputs } from './router-procedures.js';

// Every procedure of the router (read from the router) called with every kind of API key, each
// answer checked against the procedure's key class (`access-classes.keys.ts`): a key of the
// organization with just the scope it needs, one with every scope but that one, a key of another
// organization with every scope, and a revoked key.

/**
 * - `scoped`: a key of the organization with exactly the needed scope (no scope needed: only
 *   `checkin`);
 * - `unscoped`: a key of the organization with every scope but the needed one and the `:write`
 *   that implies it (no scope needed: every scope);
 * - `foreign`: a key of another organization, with every scope;
 * - `revoked`: a key of the organization with every scope, revoked.
 */
type Case = 'scoped' | 'unscoped' | 'foreign' | 'revoked';
const CASES: Case[] = ['scoped', 'unscoped', 'foreign', 'revoked'];

const EVERY_SCOPE: ApiKeyScope[] = [...apiKeyScopes];
const isScope = (access: KeyAccess): access is ApiKeyScope =>
  (apiKeyScopes as readonly string[]).includes(access);

/** The scopes of the `scoped` and `unscoped` keys for a procedure of class `access`. */
function scopesFor(access: KeyAccess, kase: 'scoped' | 'unscoped'): ApiKeyScope[] {
  if (!isScope(access)) return kase === 'scoped' ? ['checkin'] : EVERY_SCOPE;
  if (kase === 'scoped') return [access];
  const implying = access.endsWith(':read') ? access.replace(':read', ':write') : access;
  return EVERY_SCOPE.filter((scope) => scope !== access && scope !== implying);
}

/**
 * What a key must get: `served` (a success), `allowed` (past every access check: the call's own
 * answer, never an auth refusal), `refused` (FORBIDDEN or NOT_FOUND: not its organization's),
 * `unrefused` (a procedure that never reads the bearer: anything but a server error), or the code.
 */
type Expected =
  | 'served'
  | 'allowed'
  | 'refused'
  | 'unrefused'
  | 'FORBIDDEN'
  | 'API_KEY_REVOKED'
  | `SCOPE_MISSING ${ApiKeyScope}`;

function expected(path: string, access: KeyAccess, kase: Case): Expected {
  if (kase === 'revoked') return BEARER_UNREAD.includes(path) ? 'unrefused' : 'API_KEY_REVOKED';
  if (access === 'person') return 'FORBIDDEN';
  if (access === 'public') return 'allowed';
  if (kase === 'foreign') return 'refused';
  if (access === 'any' || kase === 'scoped') return 'served';
  return `SCOPE_MISSING ${access}`;
}

/** What stops a caller before the call itself does anything. */
const WALL = [
  'UNAUTHENTICATED',
  'TOKEN_EXPIRED',
  'SESSION_REVOKED',
  'FORBIDDEN',
  'SCOPE_MISSING',
  'API_KEY_REVOKED',
];

/** The answer, as compared: `served`, the app code (with the scope a key lacks), or the status. */
function verdict(answer: RawAnswer): string {
  if (answer.status === 200 && answer.appCode === undefined) return 'served';
  if (answer.appCode === undefined) return `no appCode (${answer.status})`;
  if (answer.appCode === 'SCOPE_MISSING') return `SCOPE_MISSING ${answer.details?.scope}`;
  return answer.appCode;
}

function matches(want: Expected, answer: RawAnswer): boolean {
  const got = verdict(answer);
  const serverError = answer.status >= 500 || (answer.httpStatus ?? 0) >= 500;
  switch (want) {
    case 'served':
      return got === 'served';
    case 'allowed':
      return got === 'served' || (!serverError && !WALL.includes(got.split(' ')[0] ?? got));
    case 'refused':
      return got === 'FORBIDDEN' || got === 'NOT_FOUND';
    case 'unrefused':
      return !serverError;
    default:
      return got === want;
  }
}

describe('access matrix for API keys: every procedure, every kind of key', () => {
  let world: MatrixWorld;
  /** A key of another organization (a second organizer's), with every scope. */
  let foreignKey: string;
  /** A key of the organization with every scope, revoked by its owner. */
  let revokedKey: string;
  /** The organization's keys by their scopes (made once each: no call changes a key). */
  const keys = new Map<string, Promise<string>>();
  const keyWith = (scopes: ApiKeyScope[]): Promise<string> => {
    const name = [...scopes].sort().join(' ');
    let key = keys.get(name);
    if (!key) {
      key = world.ownerClient.apiKeys.create
        .mutate({ organizationId: world.organizationId, name: `Matrix ${name}`, scopes })
        .then((made) => made.secret);
      keys.set(name, key);
    }
    return key;
  };

  beforeAll(async () => {
    world = await buildMatrixWorld();
    const other = await world.app.signUp({ role: 'organizer' });
    const elsewhere = await other.client.organizations.create.mutate({ name: 'Elsewhere' });
    foreignKey = (
      await other.client.apiKeys.create.mutate({
        organizationId: elsewhere.id,
        name: 'Foreign',
        scopes: EVERY_SCOPE,
      })
    ).secret;
    const revoked = await world.ownerClient.apiKeys.create.mutate({
      organizationId: world.organizationId,
      name: 'Revoked',
      scopes: EVERY_SCOPE,
    });
    await world.ownerClient.apiKeys.revoke.mutate({ id: revoked.apiKey.id });
    revokedKey = revoked.secret;
  }, 300_000);
  afterAll(async () => world?.app.close());

  const keyFor = (access: KeyAccess, kase: Case): Promise<string> => {
    if (kase === 'foreign') return Promise.resolve(foreignKey);
    if (kase === 'revoked') return Promise.resolve(revokedKey);
    return keyWith(scopesFor(access, kase));
  };

  it('classifies every procedure of the router for keys, and nothing else', () => {
    const paths = routerProcedures.map((p) => p.path).sort();
    expect(paths.length).toBeGreaterThan(40);
    expect(Object.keys(KEY_ACCESS).sort()).toEqual(paths);
    // What anyone may call, a key may too: the same procedures as the person matrix's `public`.
    const open = Object.keys(KEY_ACCESS).filter((path) => KEY_ACCESS[path] === 'public');
    expect(open.sort()).toEqual(pathsOf('public').sort());
    for (const path of BEARER_UNREAD) expect(KEY_ACCESS[path], path).toBe('public');
    // A key acts on its organization's things: each such class has a real target of them.
    for (const [path, access] of Object.entries(KEY_ACCESS)) {
      if (isScope(access) || access === 'any') {
        expect(world.keyTargets[path] ?? world.targetInputs[path], path).toBeDefined();
      }
    }
  });

  it('answers every key as its class says', { timeout: 900_000 }, async () => {
    const { app, address, inputFor } = world;
    const samples = sampleInputs();
    const wrong: unknown[] = [];
    let calls = 0;
    for (const procedure of routerProcedures) {
      const access = KEY_ACCESS[procedure.path];
      if (!access) continue; // reported by the test above
      for (const kase of CASES) {
        const key = await keyFor(access, kase);
        const input = await inputFor(procedure.path, samples, 'key');
        const answer = await callRaw(app.url, procedure, input, {
          'x-forwarded-for': address(),
          authorization: `Bearer ${key}`,
        });
        calls += 1;
        const want = expected(procedure.path, access, kase);
        if (!matches(want, answer)) {
          const got = `${verdict(answer)} (${answer.httpStatus ?? answer.status})`;
          wrong.push({ path: procedure.path, access, case: kase, want, got });
        }
      }
    }
    expect(calls).toBe(routerProcedures.length * CASES.length);
    expect(wrong).toEqual([]);
  });
});
