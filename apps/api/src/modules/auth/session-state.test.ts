import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { type CachePort, createRedisCache } from '@evently/platform';
import { connectTestRedis, deleteKeysByPrefix, testPrefix } from '@evently/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../../../test/capture-log.js';
import { authRepository as repo } from './auth.repository.js';
import { createSessionStates } from './session-state.js';

type Redis = Awaited<ReturnType<typeof connectTestRedis>>;

describe('session states', () => {
  let db: TestDatabase;
  let redis: Redis;
  const prefix = testPrefix();
  beforeAll(async () => {
    db = await createTestDatabase('auth-session-state');
    redis = await connectTestRedis();
  });
  afterAll(async () => {
    await deleteKeysByPrefix(redis, prefix);
    redis.disconnect();
    await db?.drop();
  });

  async function liveSession(): Promise<string> {
    const user = await repo.insertUser(db.handle.db, {
      id: randomUUID(),
      email: `${randomUUID()}@example.com`,
      name: 'Sam',
      password_hash: 'not-a-real-hash',
    });
    const id = randomUUID();
    await db.handle.db.transaction().execute((trx) =>
      repo.insertSession(trx, {
        id,
        user_id: user.id,
        refresh_token_hash: randomUUID(),
        user_agent: null,
        ip: null,
        expires_at: new Date(Date.now() + 3_600_000),
        now: new Date(),
      }),
    );
    return id;
  }

  it('a revocation that lands between a cache miss and its fill is not hidden by the fill', async () => {
    const sessionId = await liveSession();
    const real = await createRedisCache(redis, { prefix });
    let beforeFill: (() => Promise<void>) | undefined;
    // The real Redis cache; the first fill waits while another request revokes the session.
    const cache: CachePort = {
      ...real,
      async set(key, value, ttlMs) {
        const hook = beforeFill;
        beforeFill = undefined;
        await hook?.();
        await real.set(key, value, ttlMs);
      },
    };
    const states = createSessionStates({ db: db.handle.db, cache, log: captureLog().log });
    beforeFill = async () => {
      await repo.revokeSessions(db.handle.db, { sessionId }, 'logout', new Date());
      await states.forget([sessionId]);
    };

    await states.get(sessionId);
    expect(beforeFill).toBeUndefined();
    expect((await states.get(sessionId))?.revoked).toBe(true);
  });

  it('caches a live session, and forget() makes a change visible at once', async () => {
    const sessionId = await liveSession();
    const states = createSessionStates({
      db: db.handle.db,
      cache: await createRedisCache(redis, { prefix }),
      log: captureLog().log,
    });
    expect((await states.get(sessionId))?.revoked).toBe(false);
    await repo.revokeSessions(db.handle.db, { sessionId }, 'logout', new Date());
    // Cached: the database change alone is not seen...
    expect((await states.get(sessionId))?.revoked).toBe(false);
    // ...until the change is announced, as every service method does after committing.
    await states.forget([sessionId]);
    expect((await states.get(sessionId))?.revoked).toBe(true);
    expect(await states.get(randomUUID())).toBeUndefined();
  });
});
