import { randomUUID } from 'node:crypto';
import type {
  changePasswordInputSchema,
  emailOnlyInputSchema,
  registerInputSchema,
  resetPasswordInputSchema,
  User,
  updateProfileInputSchema,
  verifyEmailInputSchema,
} from '@evently/contracts';
import { appendEvent } from '@evently/db';
import type { z } from 'zod';
import { AppError } from '../../kernel/app-error.js';
import type { UserPrincipal } from '../../kernel/principal.js';
import { toUser } from './auth.mappers.js';
import { authRepository as repo, type UserRow } from './auth.repository.js';
import type { AuthCore, RequestMeta } from './auth-core.js';
import { refuseUnlessKnownNetwork } from './known-networks.js';

/** One's own account: registration, verification, profile, password change and reset. */
export interface Accounts {
  register(input: z.infer<typeof registerInputSchema>, meta: RequestMeta): Promise<{ ok: true }>;
  verifyEmail(
    input: z.infer<typeof verifyEmailInputSchema>,
    meta: RequestMeta,
  ): Promise<{ verified: true }>;
  resendVerification(
    input: z.infer<typeof emailOnlyInputSchema>,
    meta: RequestMeta,
  ): Promise<{ ok: true }>;
  me(principal: UserPrincipal): Promise<User>;
  updateProfile(
    principal: UserPrincipal,
    input: z.infer<typeof updateProfileInputSchema>,
  ): Promise<User>;
  changePassword(
    principal: UserPrincipal,
    input: z.infer<typeof changePasswordInputSchema>,
    meta: RequestMeta,
  ): Promise<{ ok: true }>;
  requestPasswordReset(
    input: z.infer<typeof emailOnlyInputSchema>,
    meta: RequestMeta,
  ): Promise<{ ok: true }>;
  resetPassword(
    input: z.infer<typeof resetPasswordInputSchema>,
    meta: RequestMeta,
  ): Promise<{ ok: true }>;
}

const UNIQUE_VIOLATION = '23505';

/** Who may get a real code: otherwise the email's code is a phantom. */
const verifiable = (user: UserRow | undefined) =>
  user?.active && !user.email_verified_at ? user : undefined;
const resettable = (user: UserRow | undefined) => (user?.active ? user : undefined);

export function createAccounts(core: AuthCore): Accounts {
  const { db, now, passwords, codes, limits, sessions } = core;
  /**
   * Before a code is checked: the pair and network limits, and the email's ceiling, which the
   * account's own networks pass (a stranger's wrong codes must not lock the owner out). The
   * account, if the email has one.
   */
  const enterCode = async (action: 'verify' | 'reset', meta: RequestMeta, email: string) => {
    const attempt = await limits.attempt(action, meta.ip, email);
    const user = await repo.findUserByEmail(db, email);
    await refuseUnlessKnownNetwork(db, now(), attempt, user?.id, meta.ip);
    return user;
  };

  /**
   * Someone registered an email that has an account: its owner gets a notice, and the email's
   * verification code is requested as a resend would, so what verifyEmail answers next is what
   * it would answer had the account just been created.
   */
  const registeredAgain = (owner: UserRow) =>
    db.transaction().execute(async (trx) => {
      await appendEvent(trx, {
        topic: 'user.registration_attempted',
        aggregateId: owner.id,
        payload: { userId: owner.id, email: owner.email, name: owner.name },
      });
      await codes.request(trx, owner.email, 'verify', verifiable(owner));
    });

  return {
    async register(input, meta) {
      await limits.hit('register', meta.ip, input.email);
      const passwordHash = await passwords.hash(input.password);
      const existing = await repo.findUserByEmail(db, input.email);
      if (existing) {
        await registeredAgain(existing);
        return { ok: true };
      }
      try {
        await db.transaction().execute(async (trx) => {
          const user = await repo.insertUser(trx, {
            id: randomUUID(),
            email: input.email.toLowerCase(),
            name: input.name,
            password_hash: passwordHash,
          });
          await appendEvent(trx, {
            topic: 'user.registered',
            aggregateId: user.id,
            payload: { userId: user.id, email: user.email, name: user.name },
          });
          // Under the email's cooldown like any request: a code asked for this email in the
          // last minute (before it had an account) holds the new one back, as it would for an
          // existing account.
          await codes.request(trx, user.email, 'verify', user);
        });
      } catch (error) {
        // Two registrations of one new email at once: the loser is told what an owner is told.
        if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
        const owner = await repo.findUserByEmail(db, input.email);
        if (owner) await registeredAgain(owner);
      }
      return { ok: true };
    },

    async verifyEmail(input, meta) {
      const user = await enterCode('verify', meta, input.email);
      const codeOwner = await codes.consume(input.email, 'verify', input.code);
      if (user?.id !== codeOwner) throw new AppError('OTP_INVALID', 'The code is invalid');
      await limits.succeeded('verify', meta.ip, input.email);
      if (!user.email_verified_at) {
        await db.transaction().execute(async (trx) => {
          await repo.updateUser(trx, user.id, { email_verified_at: now() });
          await appendEvent(trx, {
            topic: 'user.email_verified',
            aggregateId: user.id,
            payload: { userId: user.id, email: user.email, name: user.name },
          });
        });
      }
      return { verified: true };
    },

    async resendVerification(input, meta) {
      await limits.request('resend', meta.ip, input.email);
      const user = await repo.findUserByEmail(db, input.email);
      await db
        .transaction()
        .execute((trx) => codes.request(trx, input.email, 'verify', verifiable(user)));
      return { ok: true };
    },

    async me(principal) {
      return toUser(await core.requireUser(principal.userId));
    },

    async updateProfile(principal, input) {
      const user = await repo.updateUser(db, principal.userId, { name: input.name });
      if (!user) throw new AppError('NOT_FOUND', 'User not found');
      return toUser(user);
    },

    async changePassword(principal, input, meta) {
      await limits.changePassword(meta.ip, principal.userId);
      const user = await core.requireUser(principal.userId);
      if (!(await passwords.verify(user.password_hash, input.currentPassword))) {
        throw new AppError('INVALID_CREDENTIALS', 'The current password is wrong');
      }
      await limits.changePasswordSucceeded(user.id);
      const passwordHash = await passwords.hash(input.newPassword);
      const revoked = await db.transaction().execute(async (trx) => {
        await repo.updateUser(trx, user.id, { password_hash: passwordHash });
        await appendEvent(trx, {
          topic: 'user.password_changed',
          aggregateId: user.id,
          payload: { userId: user.id, email: user.email, name: user.name, via: 'change' },
        });
        return core.revoke(
          trx,
          { userId: user.id, exceptSessionId: principal.sessionId },
          'password-changed',
        );
      });
      await sessions.forget(revoked);
      return { ok: true };
    },

    async requestPasswordReset(input, meta) {
      await limits.request('resetRequest', meta.ip, input.email);
      const user = await repo.findUserByEmail(db, input.email);
      await db
        .transaction()
        .execute((trx) => codes.request(trx, input.email, 'reset', resettable(user)));
      return { ok: true };
    },

    async resetPassword(input, meta) {
      const user = await enterCode('reset', meta, input.email);
      const codeOwner = await codes.consume(input.email, 'reset', input.code);
      if (user?.id !== codeOwner) throw new AppError('OTP_INVALID', 'The code is invalid');
      await limits.succeeded('reset', meta.ip, input.email);
      const passwordHash = await passwords.hash(input.newPassword);
      const revoked = await db.transaction().execute(async (trx) => {
        // Reading the code proves the mailbox: the email counts as verified.
        await repo.updateUser(trx, user.id, {
          password_hash: passwordHash,
          email_verified_at: user.email_verified_at ?? now(),
        });
        await appendEvent(trx, {
          topic: 'user.password_changed',
          aggregateId: user.id,
          payload: { userId: user.id, email: user.email, name: user.name, via: 'reset' },
        });
        return core.revoke(trx, { userId: user.id }, 'password-reset');
      });
      await sessions.forget(revoked);
      return { ok: true };
    },
  };
}
