import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';

// Sessions that end (logout, revocation, deactivation, demotion) and refresh tokens that are
// replayed or raced: over HTTP, each answered with an exact appCode at once.
describe('auth: sessions that end', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => app?.close());

  describe('sessions that ended', () => {
    it('a logged-out session: its access token and refresh token stop at once', async () => {
      const { tokens, client } = await app.signUp();
      expect(await client.auth.logout.mutate()).toEqual({ ok: true });
      await expectAppCode(client.auth.me.query(), 'SESSION_REVOKED');
      await expectAppCode(
        app.client().auth.refresh.mutate({ refreshToken: tokens.refreshToken }),
        'SESSION_REVOKED',
      );
    });

    it('a session revoked from another session of the same user', async () => {
      const { email, client: first } = await app.signUp();
      const second = await app.client().auth.login.mutate({ email, password: TEST_PASSWORD });
      const sessions = await first.auth.sessions.list.query();
      const other = sessions.find((s) => !s.current);
      expect(sessions).toHaveLength(2);
      if (!other) throw new Error('second session not listed');
      expect(await first.auth.sessions.revoke.mutate({ sessionId: other.id })).toEqual({
        ok: true,
      });
      await expectAppCode(app.client(second.accessToken).auth.me.query(), 'SESSION_REVOKED');
      expect((await first.auth.me.query()).email).toBe(email);
    });

    it('a deactivated user: old access token SESSION_REVOKED, refresh refused, login ACCOUNT_DISABLED', async () => {
      const { email, tokens, client } = await app.signUp();
      const admin = await app.admin();
      await admin.client.auth.users.setActive.mutate({ userId: tokens.user.id, active: false });
      await expectAppCode(client.auth.me.query(), 'SESSION_REVOKED');
      await expectAppCode(
        app.client().auth.refresh.mutate({ refreshToken: tokens.refreshToken }),
        'SESSION_REVOKED',
      );
      await expectAppCode(
        app.client().auth.login.mutate({ email, password: TEST_PASSWORD }),
        'ACCOUNT_DISABLED',
      );
    });

    it('a demoted admin is FORBIDDEN an admin procedure on the very next call with the old token', async () => {
      const demoted = await app.signUp({ role: 'admin' });
      expect((await demoted.client.auth.users.list.query({ limit: 1 })).items).toHaveLength(1);
      const admin = await app.admin();
      await admin.client.auth.users.setRole.mutate({
        userId: demoted.tokens.user.id,
        role: 'user',
      });
      await expectAppCode(demoted.client.auth.users.list.query({}), 'FORBIDDEN');
      // Still signed in, just no longer an admin.
      expect((await demoted.client.auth.me.query()).role).toBe('user');
    });
  });

  describe('refresh tokens', () => {
    it('a replayed refresh token revokes the whole family: the rotated-in token and its access token die too', async () => {
      const { tokens } = await app.signUp();
      const anonymous = app.client();
      const rotated = await anonymous.auth.refresh.mutate({ refreshToken: tokens.refreshToken });
      expect((await app.client(rotated.accessToken).auth.me.query()).id).toBe(tokens.user.id);

      await expectAppCode(
        anonymous.auth.refresh.mutate({ refreshToken: tokens.refreshToken }),
        'REFRESH_TOKEN_REUSED',
      );
      await expectAppCode(
        anonymous.auth.refresh.mutate({ refreshToken: rotated.refreshToken }),
        'SESSION_REVOKED',
      );
      await expectAppCode(app.client(rotated.accessToken).auth.me.query(), 'SESSION_REVOKED');
    });

    it('of two concurrent refreshes with one token exactly one wins; the loser is a reuse', async () => {
      const { tokens } = await app.signUp();
      const results = await Promise.allSettled(
        [app.client(), app.client()].map((c) =>
          c.auth.refresh.mutate({ refreshToken: tokens.refreshToken }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      await expectAppCode(Promise.reject(lost[0]?.reason), 'REFRESH_TOKEN_REUSED');
      // A token presented twice is treated as stolen, whoever came first: the family is revoked,
      // the winner's new pair included.
      const winner = won[0]?.value;
      if (!winner) throw new Error('no winner');
      await expectAppCode(
        app.client().auth.refresh.mutate({ refreshToken: winner.refreshToken }),
        'SESSION_REVOKED',
      );
      await expectAppCode(app.client(winner.accessToken).auth.me.query(), 'SESSION_REVOKED');
      const rows = await app.db.handle.db
        .selectFrom('session_refresh_tokens')
        .select('generation')
        .innerJoin('sessions', 'sessions.id', 'session_refresh_tokens.session_id')
        .where('sessions.user_id', '=', tokens.user.id)
        .execute();
      // One rotation happened, not two.
      expect(rows.map((r) => r.generation).sort()).toEqual([0, 1]);
    });
  });
});
