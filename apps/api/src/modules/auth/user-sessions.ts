import type { revokeSessionInputSchema, Session } from '@evently/contracts';
import type { z } from 'zod';
import { AppError } from '../../kernel/app-error.js';
import type { UserPrincipal } from '../../kernel/principal.js';
import { toSession } from './auth.mappers.js';
import { authRepository as repo } from './auth.repository.js';
import type { AuthCore } from './auth-core.js';

/** A signed-in user's own sessions: the devices they are signed in on. */
export interface UserSessions {
  logout(principal: UserPrincipal): Promise<{ ok: true }>;
  listSessions(principal: UserPrincipal): Promise<Session[]>;
  revokeSession(
    principal: UserPrincipal,
    input: z.infer<typeof revokeSessionInputSchema>,
  ): Promise<{ ok: true }>;
}

export function createUserSessions(core: AuthCore): UserSessions {
  const { db, now, sessions } = core;
  return {
    async logout(principal) {
      await core.revoke(db, { sessionId: principal.sessionId }, 'logout');
      await sessions.forget([principal.sessionId]);
      return { ok: true };
    },

    async listSessions(principal) {
      const rows = await repo.listLiveSessions(db, principal.userId, now());
      return rows.map((row) => toSession(row, principal.sessionId));
    },

    async revokeSession(principal, input) {
      const session = await repo.findSession(db, input.sessionId);
      // Another user's session is answered like a missing one.
      if (!session || session.user_id !== principal.userId)
        throw new AppError('NOT_FOUND', 'Session not found');
      await core.revoke(db, { sessionId: session.id }, 'revoked-by-user');
      await sessions.forget([session.id]);
      return { ok: true };
    },
  };
}
