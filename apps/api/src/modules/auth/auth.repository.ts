import type { Role } from '@evently/contracts';
import type { Database } from '@evently/db';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';

/**
 * Every SQL statement of the auth module on accounts and sessions (one-time codes:
 * otp-codes.repository.ts). Functions take the db or the caller's transaction.
 */
type Db = Kysely<Database> | Transaction<Database>;
export type UserRow = Selectable<Database['users']>;
export type SessionRow = Selectable<Database['sessions']>;

/** What authenticating a request needs to know about a session, cached. */
export interface SessionStateRow {
  user_id: string;
  role: Role;
  active: boolean;
  revoked_at: Date | null;
  expires_at: Date;
}

/** How many of an account's sessions count as its owner's networks. */
const KNOWN_NETWORKS_MAX = 50;

export const authRepository = {
  /** Serializes the first-admin set-up across processes until the transaction ends. */
  async lockAdminSetup(trx: Transaction<Database>): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtext('evently.ensure-admin'))`.execute(trx);
  },

  findUserByEmail(db: Db, email: string) {
    return db
      .selectFrom('users')
      .selectAll()
      .where(sql<string>`lower(email)`, '=', email.toLowerCase())
      .executeTakeFirst();
  },

  findUserById(db: Db, id: string) {
    return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  },

  insertUser(
    db: Db,
    user: {
      id: string;
      email: string;
      name: string;
      password_hash: string;
      role?: Role;
      email_verified_at?: Date | null;
    },
  ) {
    return db
      .insertInto('users')
      .values({ role: 'user', email_verified_at: null, updated_at: new Date(), ...user })
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  updateUser(
    db: Db,
    id: string,
    patch: Partial<
      Pick<UserRow, 'name' | 'role' | 'password_hash' | 'email_verified_at' | 'active'>
    >,
  ) {
    return db
      .updateTable('users')
      .set({ ...patch, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  /** Newest first; keyset on (created_at, id). */
  listUsers(
    db: Db,
    filter: {
      q?: string | undefined;
      role?: Role | undefined;
      after?: { createdAt: string; id: string } | undefined;
      limit: number;
    },
  ) {
    let query = db.selectFrom('users').selectAll();
    if (filter.q) {
      const like = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) => eb.or([eb('email', 'ilike', like), eb('name', 'ilike', like)]));
    }
    if (filter.role) query = query.where('role', '=', filter.role);
    const after = filter.after;
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '<', new Date(after.createdAt)),
          eb.and([eb('created_at', '=', new Date(after.createdAt)), eb('id', '<', after.id)]),
        ]),
      );
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  },

  async insertSession(
    db: Transaction<Database>,
    session: {
      id: string;
      user_id: string;
      refresh_token_hash: string;
      user_agent: string | null;
      ip: string | null;
      expires_at: Date;
      now: Date;
    },
  ): Promise<void> {
    const { now, ...values } = session;
    await db
      .insertInto('sessions')
      .values({ ...values, last_used_at: now })
      .execute();
    await db
      .insertInto('session_refresh_tokens')
      .values({ token_hash: session.refresh_token_hash, session_id: session.id, generation: 0 })
      .execute();
  },

  sessionState(db: Db, sessionId: string): Promise<SessionStateRow | undefined> {
    return db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.user_id',
        'users.role',
        'users.active',
        'sessions.revoked_at',
        'sessions.expires_at',
      ])
      .where('sessions.id', '=', sessionId)
      .executeTakeFirst();
  },

  /** The session a refresh token belongs to, and whether it is that session's current token. */
  findByRefreshToken(db: Db, tokenHash: string) {
    return db
      .selectFrom('session_refresh_tokens as t')
      .innerJoin('sessions as s', 's.id', 't.session_id')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select([
        't.generation',
        's.id as session_id',
        's.rotation_counter',
        's.revoked_at',
        's.expires_at',
        'u.id as user_id',
      ])
      .where('t.token_hash', '=', tokenHash)
      .executeTakeFirst();
  },

  /**
   * Rotates only if the presented generation is still current and the session live: of two
   * concurrent refreshes with one token, exactly one wins.
   */
  async rotateRefreshToken(
    db: Transaction<Database>,
    rotation: {
      sessionId: string;
      generation: number;
      newHash: string;
      expiresAt: Date;
      ip: string | null;
      userAgent: string | null;
      now: Date;
    },
  ): Promise<boolean> {
    const updated = await db
      .updateTable('sessions')
      .set((eb) => ({
        refresh_token_hash: rotation.newHash,
        rotation_counter: eb('rotation_counter', '+', 1),
        last_used_at: rotation.now,
        expires_at: rotation.expiresAt,
        ip: rotation.ip,
        user_agent: rotation.userAgent,
      }))
      .where('id', '=', rotation.sessionId)
      .where('rotation_counter', '=', rotation.generation)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return false;
    await db
      .insertInto('session_refresh_tokens')
      .values({
        token_hash: rotation.newHash,
        session_id: rotation.sessionId,
        generation: rotation.generation + 1,
      })
      .execute();
    return true;
  },

  /** Revokes live sessions; returns the ids revoked now. */
  async revokeSessions(
    db: Db,
    where: { sessionId: string } | { userId: string; exceptSessionId?: string | undefined },
    reason: string,
    now: Date,
  ): Promise<string[]> {
    let query = db
      .updateTable('sessions')
      .set({ revoked_at: now, revoked_reason: reason })
      .where('revoked_at', 'is', null);
    if ('sessionId' in where) {
      query = query.where('id', '=', where.sessionId);
    } else {
      query = query.where('user_id', '=', where.userId);
      if (where.exceptSessionId) query = query.where('id', '!=', where.exceptSessionId);
    }
    const rows = await query.returning('id').execute();
    return rows.map((r) => r.id);
  },

  listLiveSessions(db: Db, userId: string, now: Date) {
    return db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .execute();
  },

  /**
   * The addresses the account's sessions were last used from, newest first: the networks its
   * owner signs in from. Sessions of the refresh lifetime's span, revoked ones included.
   */
  async recentSessionIps(db: Db, userId: string, now: Date): Promise<(string | null)[]> {
    const rows = await db
      .selectFrom('sessions')
      .select('ip')
      .where('user_id', '=', userId)
      .where('expires_at', '>', now)
      .orderBy('last_used_at', 'desc')
      .limit(KNOWN_NETWORKS_MAX)
      .execute();
    return rows.map((row) => row.ip);
  },

  findSession(db: Db, sessionId: string) {
    return db.selectFrom('sessions').selectAll().where('id', '=', sessionId).executeTakeFirst();
  },
};
