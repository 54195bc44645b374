import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS, pathsOf } from './access-classes.js';
import { expectAppCode } from './app-error.js';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';
import { callRaw, routerProcedures } from './router-procedures.js';

// Other users' sessions, one's own role, and every auth procedure's access class over raw HTTP,
// with checks that a refused call changed nothing.
describe('auth: other users, roles and procedures', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => app?.close());

  it("a user can neither see nor revoke another user's session, which keeps working", async () => {
    const alice = await app.signUp();
    const bob = await app.signUp();
    const [bobSession] = await bob.client.auth.sessions.list.query();
    if (!bobSession) throw new Error('bob has no session');
    const aliceSees = await alice.client.auth.sessions.list.query();
    expect(aliceSees.map((s) => s.id)).not.toContain(bobSession.id);
    await expectAppCode(
      alice.client.auth.sessions.revoke.mutate({ sessionId: bobSession.id }),
      'NOT_FOUND',
    );
    // Same answer as for a session that does not exist at all.
    await expectAppCode(
      alice.client.auth.sessions.revoke.mutate({ sessionId: randomUUID() }),
      'NOT_FOUND',
    );
    expect((await bob.client.auth.me.query()).email).toBe(bob.email);
    expect((await bob.client.auth.sessions.list.query()).map((s) => s.id)).toEqual([bobSession.id]);
  });

  it('a user cannot set their own role (FORBIDDEN); an admin cannot either (INVALID_STATE)', async () => {
    const { tokens, client } = await app.signUp();
    await expectAppCode(
      client.auth.users.setRole.mutate({ userId: tokens.user.id, role: 'admin' }),
      'FORBIDDEN',
    );
    expect((await client.auth.me.query()).role).toBe('user');

    const admin = await app.admin();
    await expectAppCode(
      admin.client.auth.users.setRole.mutate({ userId: admin.tokens.user.id, role: 'user' }),
      'INVALID_STATE',
    );
    expect((await admin.client.auth.me.query()).role).toBe('admin');
  });

  // The access classes of access-classes.ts (the matrix over every procedure and caller is
  // access-matrix.test.ts); here, the auth ones, with checks that nothing changed.
  const authPaths = (access: 'public' | 'admin') =>
    pathsOf(access).filter((p) => p.startsWith('auth.'));
  const PUBLIC = authPaths('public');
  const ADMIN = authPaths('admin');
  const procedures = routerProcedures.filter(({ path }) => path.startsWith('auth.'));

  /** Valid inputs, so no answer can be a validation error instead of the access check. */
  const inputFor = (path: string, userId: string): unknown =>
    ({
      'auth.updateProfile': { name: 'Mallory' },
      'auth.changePassword': { currentPassword: TEST_PASSWORD, newPassword: 'new password 123' },
      'auth.sessions.revoke': { sessionId: randomUUID() },
      'auth.users.list': {},
      'auth.users.setRole': { userId, role: 'admin' },
      'auth.users.setActive': { userId, active: false },
    })[path];

  it('every auth procedure is classified as public, user or admin, and every class names one', () => {
    const classes = Object.fromEntries(procedures.map(({ path }) => [path, ACCESS[path]]));
    expect(Object.values(classes).filter((access) => access === undefined)).toEqual([]);
    expect(new Set(Object.values(classes))).toEqual(new Set(['public', 'user', 'admin']));
    expect(
      Object.keys(ACCESS)
        .filter((path) => path.startsWith('auth.'))
        .sort(),
    ).toEqual(procedures.map(({ path }) => path).sort());
  });

  it('anonymous callers get UNAUTHENTICATED from every non-public auth procedure', async () => {
    const admin = await app.admin();
    const authed = procedures.filter((p) => !PUBLIC.includes(p.path));
    for (const { path, type } of authed) {
      const answer = await callRaw(app.url, { path, type }, inputFor(path, admin.tokens.user.id));
      expect({ path, appCode: answer.appCode, status: answer.status }).toEqual({
        path,
        appCode: 'UNAUTHENTICATED',
        status: 401,
      });
    }
    expect((await admin.client.auth.me.query()).active).toBe(true);
  });

  it('a plain user gets FORBIDDEN from every admin procedure, and nothing changes', async () => {
    const { tokens } = await app.signUp();
    const admin = await app.admin();
    const adminOnly = procedures.filter((p) => ADMIN.includes(p.path));
    expect(adminOnly.map((p) => p.path).sort()).toEqual([...ADMIN].sort());
    for (const { path, type } of adminOnly) {
      // setRole targets the caller themself (self-promotion); setActive targets the admin.
      const target = path === 'auth.users.setRole' ? tokens.user.id : admin.tokens.user.id;
      const answer = await callRaw(app.url, { path, type }, inputFor(path, target), {
        authorization: `Bearer ${tokens.accessToken}`,
      });
      expect({ path, appCode: answer.appCode, status: answer.status }).toEqual({
        path,
        appCode: 'FORBIDDEN',
        status: 403,
      });
    }
    expect((await app.client(tokens.accessToken).auth.me.query()).role).toBe('user');
    expect((await admin.client.auth.me.query()).active).toBe(true);
  });
});
