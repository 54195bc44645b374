import { randomUUID } from 'node:crypto';
import type {
  listUsersInputSchema,
  Page,
  Role,
  Session,
  TokenPair,
  User,
} from '@evently/contracts';
import { appendEvent, type Database } from '@evently/db';
import { type CachePort, ipRateLimitKey, type RateLimiterFactory } from '@evently/platform';
import type { Kysely, Transaction } from 'kysely';
import type { z } from 'zod';
import { AppError } from '../../errors/app-error.js';
import { keysetPage, rowsFor } from '../../kernel/page.js';
import type { Principal, RequestLog } from '../../trpc/context.js';
import { toSession, toUser } from './auth.mappers.js';
import { authRepository as repo, type UserRow } from './auth.repository.js';
import { createAuthRateLimits, type EmailAction, rateLimited } from './auth-rate-limits.js';
import { createOneTimeCodes } from './one-time-codes.js';
import { createPasswords } from './passwords.js';
import type { SessionChanges } from './session-changes.js';
import { createSessionStates } from './session-state.js';
import { createTokenIssuer, hashToken, newRefreshToken } from './tokens.js';

/** Who is calling, as far as rate limits and session records care. */
export interface RequestMeta {
  ip: string;
  userAgent: string | null;
}

export interface AuthService {
  /** Turns a bearer token into a principal, or throws UNAUTHENTICATED/TOKEN_EXPIRED/SESSION_REVOKED. */
  authenticate(bearerToken: string | null): Promise<Principal>;
  register(
    input: { email: string; password: string; name: string },
    meta: RequestMeta,
  ): Promise<{ ok: true }>;
  verifyEmail(
    input: { email: string; code: string },
    meta: RequestMeta,
  ): Promise<{ verified: true }>;
  resendVerification(input: { email: string }, meta: RequestMeta): Promise<{ ok: true }>;
  login(input: { email: string; password: string }, meta: RequestMeta): Promise<TokenPair>;
  refresh(input: { refreshToken: string }, meta: RequestMeta): Promise<TokenPair>;
  logout(principal: Principal): Promise<{ ok: true }>;
  me(principal: Principal): Promise<User>;
  updateProfile(principal: Principal, input: { name: string }): Promise<User>;
  changePassword(
    principal: Principal,
    input: { currentPassword: string; newPassword: string },
    meta: RequestMeta,
  ): Promise<{ ok: true }>;
  requestPasswordReset(input: { email: string }, meta: RequestMeta): Promise<{ ok: true }>;
  resetPassword(
    input: { email: string; code: string; newPassword: string },
    meta: RequestMeta,
  ): Promise<{ ok: true }>;
  listSessions(principal: Principal): Promise<Session[]>;
  revokeSession(principal: Principal, input: { sessionId: string }): Promise<{ ok: true }>;
  listUsers(input: z.output<typeof listUsersInputSchema>): Promise<Page<User>>;
  setRole(principal: Principal, input: { userId: string; role: Role }): Promise<User>;
  setActive(principal: Principal, input: { userId: string; active: boolean }): Promise<User>;
  /** Creates or updates the first admin (ADMIN_EMAIL/ADMIN_PASSWORD) at start. */
  ensureAdmin(input: { email: string; password: string }): Promise<User>;
}

export interface AuthConfig {
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

const UNIQUE_VIOLATION = '23505';
/** Matches no account: lookups made for an unknown email, to take the time a known one takes. */
const NO_USER = '00000000-0000-0000-0000-000000000000';

export async function createAuthService(deps: {
  db: Kysely<Database>;
  cache: CachePort;
  rateLimits: RateLimiterFactory;
  config: AuthConfig;
  log: RequestLog;
  now: () => Date;
  /** Where invalidated sessions are announced to open streams (none: streams rely on their timer). */
  sessionChanges?: Pick<SessionChanges, 'publish'>;
}): Promise<AuthService> {
  const { db, now } = deps;
  const passwords = await createPasswords();
  const tokens = createTokenIssuer({
    secret: deps.config.jwtSecret,
    accessTtlSeconds: deps.config.accessTokenTtlSeconds,
    now,
  });
  const sessions = createSessionStates({
    db,
    cache: deps.cache,
    log: deps.log,
    changes: deps.sessionChanges,
  });
  const limits = createAuthRateLimits(deps.rateLimits);
  const codes = createOneTimeCodes({ db, secret: deps.config.jwtSecret, now });
  const refreshTtlMs = deps.config.refreshTokenTtlSeconds * 1000;

  const hit = (action: EmailAction, meta: RequestMeta, email: string) =>
    limits.hit(action, meta.ip, email);

  async function requireUser(id: string): Promise<UserRow> {
    const user = await repo.findUserById(db, id);
    if (!user) throw new AppError('NOT_FOUND', 'User not found');
    return user;
  }

  /** Who may get a real code: otherwise the email's code is a phantom. */
  const verifiable = (user: UserRow | undefined) =>
    user?.active && !user.email_verified_at ? user : undefined;
  const resettable = (user: UserRow | undefined) => (user?.active ? user : undefined);

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

  const revoke = (
    trx: Kysely<Database> | Transaction<Database>,
    where: Parameters<typeof repo.revokeSessions>[1],
    reason: string,
  ) => repo.revokeSessions(trx, where, reason, now());

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

    async register(input, meta) {
      await hit('register', meta, input.email);
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
      await hit('verify', meta, input.email);
      const user = await repo.findUserByEmail(db, input.email);
      const codeOwner = await codes.consume(input.email, 'verify', input.code);
      if (user?.id !== codeOwner) throw new AppError('OTP_INVALID', 'The code is invalid');
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
      await hit('resend', meta, input.email);
      const user = await repo.findUserByEmail(db, input.email);
      await db
        .transaction()
        .execute((trx) => codes.request(trx, input.email, 'verify', verifiable(user)));
      return { ok: true };
    },

    async login(input, meta) {
      const attempt = await limits.login(meta.ip, input.email);
      const user = await repo.findUserByEmail(db, input.email);
      if (attempt.ceilingRetryAfterSeconds !== null) {
        // The account's attempts from everywhere are spent. The owner's own networks still get
        // through (their pair limit still applies), so a distributed guesser cannot lock the
        // owner out. Asked for an unknown email too, so both take the same time.
        const networks = await repo.recentSessionIps(db, user?.id ?? NO_USER, now());
        const key = ipRateLimitKey(meta.ip);
        if (!networks.some((ip) => ip !== null && ipRateLimitKey(ip) === key)) {
          throw rateLimited(attempt.ceilingRetryAfterSeconds);
        }
      }
      if (!user) {
        await passwords.burn(input.password);
        throw new AppError('INVALID_CREDENTIALS', 'Email or password is wrong');
      }
      if (!(await passwords.verify(user.password_hash, input.password))) {
        throw new AppError('INVALID_CREDENTIALS', 'Email or password is wrong');
      }
      await limits.loginSucceeded(meta.ip, input.email);
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
        const revoked = await revoke(db, { sessionId: found.session_id }, 'refresh-token-reuse');
        await sessions.forget(revoked);
        deps.log.warn(
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
      const user = await requireUser(found.user_id);
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

    async logout(principal) {
      await revoke(db, { sessionId: principal.sessionId }, 'logout');
      await sessions.forget([principal.sessionId]);
      return { ok: true };
    },

    async me(principal) {
      return toUser(await requireUser(principal.userId));
    },

    async updateProfile(principal, input) {
      const user = await repo.updateUser(db, principal.userId, { name: input.name });
      if (!user) throw new AppError('NOT_FOUND', 'User not found');
      return toUser(user);
    },

    async changePassword(principal, input, meta) {
      await limits.changePassword(meta.ip, principal.userId);
      const user = await requireUser(principal.userId);
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
        return revoke(
          trx,
          { userId: user.id, exceptSessionId: principal.sessionId },
          'password-changed',
        );
      });
      await sessions.forget(revoked);
      return { ok: true };
    },

    async requestPasswordReset(input, meta) {
      await hit('resetRequest', meta, input.email);
      const user = await repo.findUserByEmail(db, input.email);
      await db
        .transaction()
        .execute((trx) => codes.request(trx, input.email, 'reset', resettable(user)));
      return { ok: true };
    },

    async resetPassword(input, meta) {
      await hit('reset', meta, input.email);
      const user = await repo.findUserByEmail(db, input.email);
      const codeOwner = await codes.consume(input.email, 'reset', input.code);
      if (user?.id !== codeOwner) throw new AppError('OTP_INVALID', 'The code is invalid');
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
        return revoke(trx, { userId: user.id }, 'password-reset');
      });
      await sessions.forget(revoked);
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
      await revoke(db, { sessionId: session.id }, 'revoked-by-user');
      await sessions.forget([session.id]);
      return { ok: true };
    },

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
      const before = await requireUser(input.userId);
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
      const live = await repo.listLiveSessions(db, user.id, now());
      await sessions.forget(live.map((s) => s.id));
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
        const ended = input.active ? [] : await revoke(trx, { userId: updated.id }, 'deactivated');
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
      const live = await repo.listLiveSessions(db, user.id, now());
      await sessions.forget(live.map((s) => s.id));
      return toUser(user);
    },
  };
}
