import { randomUUID } from 'node:crypto';
import type { loginInputSchema, refreshInputSchema, TokenPair } from '@evently/contracts';
import type { z } from 'zod';
import { AppError } from '../../kernel/app-error.js';
import type { UserPrincipal } from '../../kernel/principal.js';
import { toUser } from './auth.mappers.js';
import { authRepository as repo, type UserRow } from './auth.repository.js';
import type { AuthCore, RequestMeta } from './auth-core.js';
import { refuseUnlessKnownNetwork } from './known-networks.js';
import { hashToken, newRefreshToken } from './tokens.js';

/** Signing in, staying signed in, and recognising a signed-in caller. */
export interface Authentication {
  /** Turns a bearer token into a principal, or throws UNAUTHENTICATED/TOKEN_EXPIRED/SESSION_REVOKED. */
  authenticate(bearerToken: string | null): Promise<UserPrincipal>;
  login(input: z.infer<typeof loginInputSchema>, meta: RequestMeta): Promise<TokenPair>;
  refresh(input: z.infer<typeof refreshInputSchema>, meta: RequestMeta): Promise<TokenPair>;
}

export function createAuthentication(core: AuthCore): Authentication {
  const { db, now, tokens, sessions, limits, passwords } = core;
  const refreshTtlMs = core.config.refreshTokenTtlSeconds * 1000;

  async function issueTokens(
    user: UserRow,
    sessionId: string,
    refreshToken: string,
    expiresAt: Date,
  ): Promise<TokenPair> {
    const access = await tokens.signAccess({ userId: user.id, role: user.role, sessionId });
    return {
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt.toISOString(),
      refreshToken,
      refreshTokenExpiresAt: expiresAt.toISOString(),
      user: toUser(user),
    };
  }

  return {
    async authenticate(bearerToken) {
      if (!bearerToken) throw new AppError('UNAUTHENTICATED', 'Sign in first');
      const claims = await tokens.verifyAccess(bearerToken);
      const state = await sessions.get(claims.sessionId);
      if (!state || state.userId !== claims.userId)
        throw new AppError('UNAUTHENTICATED', 'Unknown session');
      if (
        state.revoked ||
        !state.active ||
        new Date(state.expiresAt).getTime() <= now().getTime()
      ) {
        throw new AppError('SESSION_REVOKED', 'This session has ended; sign in again');
      }
      // The role is read from the session state, not the token: a demotion applies at once.
      return { kind: 'user', userId: state.userId, role: state.role, sessionId: claims.sessionId };
    },

    async login(input, meta) {
      const attempt = await limits.attempt('login', meta.ip, input.email);
      const user = await repo.findUserByEmail(db, input.email);
      await refuseUnlessKnownNetwork(db, now(), attempt, user?.id, meta.ip);
      if (!user) {
        await passwords.burn(input.password);
        throw new AppError('INVALID_CREDENTIALS', 'Email or password is wrong');
      }
      if (!(await passwords.verify(user.password_hash, input.password))) {
        throw new AppError('INVALID_CREDENTIALS', 'Email or password is wrong');
      }
      await limits.succeeded('login', meta.ip, input.email);
      // Only someone who knows the password learns these.
      if (!user.email_verified_at)
        throw new AppError('EMAIL_NOT_VERIFIED', 'Verify your email first');
      if (!user.active) throw new AppError('ACCOUNT_DISABLED', 'This account is disabled');

      const sessionId = randomUUID();
      const refreshToken = newRefreshToken();
      const expiresAt = new Date(now().getTime() + refreshTtlMs);
      await db.transaction().execute((trx) =>
        repo.insertSession(trx, {
          id: sessionId,
          user_id: user.id,
          refresh_token_hash: hashToken(refreshToken),
          user_agent: meta.userAgent?.slice(0, 512) ?? null,
          ip: meta.ip,
          expires_at: expiresAt,
          now: now(),
        }),
      );
      return issueTokens(user, sessionId, refreshToken, expiresAt);
    },

    async refresh(input, meta) {
      const found = await repo.findByRefreshToken(db, hashToken(input.refreshToken));
      if (!found) throw new AppError('UNAUTHENTICATED', 'Refresh token is invalid');
      if (found.revoked_at)
        throw new AppError('SESSION_REVOKED', 'This session has ended; sign in again');
      const reuse = async () => {
        // A rotated-out token came back: it was stolen or replayed. End the whole family.
        const revoked = await core.revoke(
          db,
          { sessionId: found.session_id },
          'refresh-token-reuse',
        );
        await sessions.forget(revoked);
        core.log.warn(
          { sessionId: found.session_id, userId: found.user_id },
          'refresh token reuse; session revoked',
        );
        return new AppError(
          'REFRESH_TOKEN_REUSED',
          'This refresh token was already used; sign in again',
        );
      };
      if (found.generation !== found.rotation_counter) throw await reuse();
      if (found.expires_at.getTime() <= now().getTime()) {
        throw new AppError('SESSION_REVOKED', 'This session has expired; sign in again');
      }
      const user = await core.requireUser(found.user_id);
      if (!user.active) throw new AppError('ACCOUNT_DISABLED', 'This account is disabled');

      const refreshToken = newRefreshToken();
      const expiresAt = new Date(now().getTime() + refreshTtlMs);
      const rotated = await db.transaction().execute((trx) =>
        repo.rotateRefreshToken(trx, {
          sessionId: found.session_id,
          generation: found.generation,
          newHash: hashToken(refreshToken),
          expiresAt,
          ip: meta.ip,
          userAgent: meta.userAgent?.slice(0, 512) ?? null,
          now: now(),
        }),
      );
      // Lost a race with another refresh of the same token: that is a reuse too.
      if (!rotated) throw await reuse();
      await sessions.forget([found.session_id]);
      return issueTokens(user, found.session_id, refreshToken, expiresAt);
    },
  };
}
