import type { Database } from '@evently/db';
import type { CachePort, RateLimiterFactory } from '@evently/platform';
import type { Kysely, Transaction } from 'kysely';
import { AppError } from '../../kernel/app-error.js';
import type { RequestLog } from '../../kernel/log.js';
import { authRepository as repo, type UserRow } from './auth.repository.js';
import { type AuthRateLimits, createAuthRateLimits } from './auth-rate-limits.js';
import { createOneTimeCodes, type OneTimeCodes } from './one-time-codes.js';
import { createPasswords, type Passwords } from './passwords.js';
import type { SessionChanges } from './session-changes.js';
import { createSessionStates, type SessionStates } from './session-state.js';
import { createTokenIssuer, type TokenIssuer } from './tokens.js';

/** Who is calling, as far as rate limits and session records care. */
export interface RequestMeta {
  ip: string;
  userAgent: string | null;
}

export interface AuthConfig {
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

export interface AuthServiceDeps {
  db: Kysely<Database>;
  cache: CachePort;
  rateLimits: RateLimiterFactory;
  config: AuthConfig;
  log: RequestLog;
  now: () => Date;
  /** Where invalidated sessions are announced to open streams (none: streams rely on their timer). */
  sessionChanges?: Pick<SessionChanges, 'publish'>;
}

/** What every auth use case works with: the database, the clock, and the auth machinery. */
export interface AuthCore {
  db: Kysely<Database>;
  now: () => Date;
  log: RequestLog;
  config: AuthConfig;
  passwords: Passwords;
  tokens: TokenIssuer;
  sessions: SessionStates;
  limits: AuthRateLimits;
  codes: OneTimeCodes;
  /** The account, or NOT_FOUND. */
  requireUser(id: string): Promise<UserRow>;
  /** Revokes sessions now; returns the ids revoked (forget them after the commit). */
  revoke(
    trx: Kysely<Database> | Transaction<Database>,
    where: Parameters<typeof repo.revokeSessions>[1],
    reason: string,
  ): Promise<string[]>;
}

export async function createAuthCore(deps: AuthServiceDeps): Promise<AuthCore> {
  const { db, now } = deps;
  return {
    db,
    now,
    log: deps.log,
    config: deps.config,
    passwords: await createPasswords(),
    tokens: createTokenIssuer({
      secret: deps.config.jwtSecret,
      accessTtlSeconds: deps.config.accessTokenTtlSeconds,
      now,
    }),
    sessions: createSessionStates({
      db,
      cache: deps.cache,
      log: deps.log,
      changes: deps.sessionChanges,
    }),
    limits: createAuthRateLimits(deps.rateLimits),
    codes: createOneTimeCodes({ db, secret: deps.config.jwtSecret, now }),
    async requireUser(id) {
      const user = await repo.findUserById(db, id);
      if (!user) throw new AppError('NOT_FOUND', 'User not found');
      return user;
    },
    revoke: (trx, where, reason) => repo.revokeSessions(trx, where, reason, now()),
  };
}
