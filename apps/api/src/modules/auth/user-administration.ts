import { randomUUID } from 'node:crypto';
import type {
  listUsersInputSchema,
  Page,
  setActiveInputSchema,
  setRoleInputSchema,
  User,
} from '@evently/contracts';
import { appendEvent } from '@evently/db';
import type { z } from 'zod';
import { AppError } from '../../kernel/app-error.js';
import { keysetPage, rowsFor } from '../../kernel/page.js';
import type { UserPrincipal } from '../../kernel/principal.js';
import { toUser } from './auth.mappers.js';
import { authRepository as repo } from './auth.repository.js';
import type { AuthCore } from './auth-core.js';

/** What admins do to accounts, and the first admin's set-up at start. */
export interface UserAdministration {
  listUsers(input: z.infer<typeof listUsersInputSchema>): Promise<Page<User>>;
  setRole(principal: UserPrincipal, input: z.infer<typeof setRoleInputSchema>): Promise<User>;
  setActive(principal: UserPrincipal, input: z.infer<typeof setActiveInputSchema>): Promise<User>;
  /** Creates or updates the first admin (ADMIN_EMAIL/ADMIN_PASSWORD) at start. */
  ensureAdmin(input: { email: string; password: string }): Promise<User>;
}

export function createUserAdministration(core: AuthCore): UserAdministration {
  const { db, now, sessions, passwords } = core;

  /** After a change the session state caches: every live session of the user reloads it. */
  async function forgetLiveSessions(userId: string): Promise<void> {
    const live = await repo.listLiveSessions(db, userId, now());
    await sessions.forget(live.map((s) => s.id));
  }

  return {
    async listUsers(input) {
      const after = input.cursor ?? undefined;
      const rows = await repo.listUsers(db, {
        q: input.q,
        role: input.role,
        after: after && { createdAt: after.c, id: after.i },
        limit: rowsFor(input.limit),
      });
      return keysetPage(rows, input.limit, {
        item: toUser,
        sortKey: (r) => ({ c: r.created_at.toISOString(), i: r.id }),
      });
    },

    async setRole(principal, input) {
      if (input.userId === principal.userId) {
        throw new AppError('INVALID_STATE', 'Admins cannot change their own role');
      }
      const before = await core.requireUser(input.userId);
      const user = await db.transaction().execute(async (trx) => {
        const updated = await repo.updateUser(trx, input.userId, { role: input.role });
        if (!updated) throw new AppError('NOT_FOUND', 'User not found');
        if (before.role !== input.role) {
          await appendEvent(trx, {
            topic: 'user.role_changed',
            aggregateId: updated.id,
            payload: { userId: updated.id, role: input.role, previousRole: before.role },
          });
        }
        return updated;
      });
      await forgetLiveSessions(user.id);
      return toUser(user);
    },

    async setActive(principal, input) {
      if (input.userId === principal.userId) {
        throw new AppError('INVALID_STATE', 'Admins cannot deactivate themselves');
      }
      const { user, revoked } = await db.transaction().execute(async (trx) => {
        const updated = await repo.updateUser(trx, input.userId, { active: input.active });
        if (!updated) throw new AppError('NOT_FOUND', 'User not found');
        await appendEvent(trx, {
          topic: 'user.active_changed',
          aggregateId: updated.id,
          payload: { userId: updated.id, active: input.active },
        });
        const ended = input.active
          ? []
          : await core.revoke(trx, { userId: updated.id }, 'deactivated');
        return { user: updated, revoked: ended };
      });
      await sessions.forget(revoked);
      return toUser(user);
    },

    async ensureAdmin(input) {
      const passwordHash = await passwords.hash(input.password);
      const patch = { password_hash: passwordHash, role: 'admin' as const, active: true };
      // The account's events, as for any other account (analytics counts users from them).
      const user = await db.transaction().execute(async (trx) => {
        // Processes starting together each ensure the admin: one at a time, each reading what
        // the one before it committed (else both insert and one start-up fails).
        await repo.lockAdminSetup(trx);
        const existing = await repo.findUserByEmail(trx, input.email);
        if (existing) {
          const updated = await repo.updateUser(trx, existing.id, {
            ...patch,
            email_verified_at: existing.email_verified_at ?? now(),
          });
          if (updated && !existing.email_verified_at) {
            await appendEvent(trx, {
              topic: 'user.email_verified',
              aggregateId: updated.id,
              payload: { userId: updated.id, email: updated.email, name: updated.name },
            });
          }
          return updated;
        }
        const created = await repo.insertUser(trx, {
          id: randomUUID(),
          email: input.email.toLowerCase(),
          name: 'Administrator',
          password_hash: passwordHash,
          role: 'admin',
          email_verified_at: now(),
        });
        await appendEvent(trx, {
          topic: 'user.registered',
          aggregateId: created.id,
          payload: {
            userId: created.id,
            email: created.email,
            name: created.name,
            emailVerified: true,
          },
        });
        return created;
      });
      if (!user) throw new AppError('INTERNAL', 'Admin could not be saved');
      await forgetLiveSessions(user.id);
      return toUser(user);
    },
  };
}
