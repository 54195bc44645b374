import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { createRedisCache, type RedisClient, waitForRedis } from '@evently/platform';
import { connectTestRedis, type RedisServer, startRedisServer } from '@evently/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../../../test/capture-log.js';
import { toPublicError, toTrpcError } from '../../errors/error-mapping.js';
import type { Principal } from '../../kernel/principal.js';
import { createMembersService } from './members.service.js';
import { createMemberships, type Memberships } from './memberships.js';

// Its own database and throwaway redis-server, which it kills and restarts empty: roles are read
// from the database while the cache is away, and a membership change is refused rather than
// left behind a cached role nobody could forget.
describe('memberships when Redis dies', () => {
  let database: TestDatabase;
  let server: RedisServer;
  let redis: RedisClient;
  let memberships: Memberships;
  const announced: string[][] = [];
  const organizationId = randomUUID();
  const ownerId = randomUUID();
  const memberId = randomUUID();
  const owner: Principal = { kind: 'user', userId: ownerId, role: 'user', sessionId: 's' };
  const db = () => database.handle.db;
  const roleOf = async (userId: string) =>
    (
      await db()
        .selectFrom('organization_members')
        .select('role')
        .where('user_id', '=', userId)
        .executeTakeFirst()
    )?.role;

  beforeAll(async () => {
    database = await createTestDatabase('memberships-redis-down');
    server = await startRedisServer();
    redis = await connectTestRedis('command', server.url);
    const cache = await createRedisCache(redis, { prefix: `m:${randomUUID()}:` });
    memberships = createMemberships({ db: db(), cache, log: captureLog().log });
    const now = new Date();
    await db()
      .insertInto('users')
      .values(
        [ownerId, memberId].map((id) => ({
          id,
          email: `${id}@example.com`,
          name: 'M',
          role: 'user' as const,
          password_hash: 'x',
          updated_at: now,
        })),
      )
      .execute();
    await db()
      .insertInto('organizations')
      .values({ id: organizationId, name: 'Hall', slug: `h-${organizationId}`, updated_at: now })
      .execute();
    await db()
      .insertInto('organization_members')
      .values([
        { organization_id: organizationId, user_id: ownerId, role: 'owner' },
        { organization_id: organizationId, user_id: memberId, role: 'manager' },
      ])
      .execute();
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.kill();
    await database?.drop();
  });

  it('reads roles from the database while down; refuses a change; an emptied Redis keeps nothing stale', async () => {
    expect(await memberships.rolesOf(memberId)).toEqual({ [organizationId]: 'manager' });
    await server.kill();
    // A change the cache could not hear about: the reads follow the database meanwhile.
    await db()
      .updateTable('organization_members')
      .set({ role: 'staff' })
      .where('user_id', '=', memberId)
      .execute();
    expect(await memberships.rolesOf(memberId)).toEqual({ [organizationId]: 'staff' });

    const members = createMembersService({
      db: db(),
      memberships,
      accessChanges: { announce: async (ids) => void announced.push([...ids]) },
    });
    // What the client gets: SERVICE_UNAVAILABLE, to retry.
    const answered = (call: Promise<unknown>) =>
      call.then(
        () => 'ok',
        (error: unknown) => toPublicError(toTrpcError(error)).appCode,
      );
    expect(
      await answered(members.setRole(owner, { organizationId, userId: memberId, role: 'viewer' })),
    ).toBe('SERVICE_UNAVAILABLE');
    expect(await answered(members.remove(owner, { organizationId, userId: memberId }))).toBe(
      'SERVICE_UNAVAILABLE',
    );
    expect(await roleOf(memberId)).toBe('staff');
    expect(announced).toEqual([]);

    await server.restart();
    await waitForRedis(redis);
    expect(await memberships.rolesOf(memberId)).toEqual({ [organizationId]: 'staff' });
    const lowered = await members.setRole(owner, {
      organizationId,
      userId: memberId,
      role: 'viewer',
    });
    expect(lowered.role).toBe('viewer');
    expect(await memberships.rolesOf(memberId)).toEqual({ [organizationId]: 'viewer' });
    expect(announced).toEqual([[memberId]]);
  });
});
