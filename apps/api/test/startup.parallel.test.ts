import { randomUUID } from 'node:crypto';
import { migrateToLatest } from '@evently/db';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { createPlatform } from '@evently/platform';
import { connectTestRedis, deleteKeysByPrefix, TEST_REDIS_URL } from '@evently/platform/testing';
import { createEventlyClient } from '@evently/sdk';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createModules } from '../src/composition/create-modules.js';
import { startApiCluster } from './api-cluster.js';

const ADMIN = { email: 'first-admin@example.com', password: 'first admin password' };

// Several API processes may be started at once (a deploy, a restart of every replica) on a
// database nobody migrated yet: each migrates and ensures the first admin, and all must come up.
describe('start-up run in parallel', () => {
  const databases: TestDatabase[] = [];
  const prefixes: string[] = [];

  afterAll(async () => {
    await Promise.all(databases.map((d) => d.drop()));
    const redis = await connectTestRedis();
    for (const prefix of prefixes) await deleteKeysByPrefix(redis, `${prefix}:`);
    redis.disconnect();
  });

  async function adminRows(database: TestDatabase) {
    return database.handle.db
      .selectFrom('users')
      .select(['id', 'role', 'active'])
      .where(sql<string>`lower(email)`, '=', ADMIN.email)
      .execute();
  }

  it('ensures the first admin from two instances at once: all succeed, one account', async () => {
    const database = await createTestDatabase('startup_admin');
    databases.push(database);
    const log = pino({ level: 'silent' });
    // Two instances, as two processes have: their own ports and services, one database.
    const instances = await Promise.all(
      [1, 2].map(async () => {
        const platform = await createPlatform(
          { mailFrom: 'Evently <t@e.local>', prefix: 't' },
          log,
        );
        const modules = await createModules({
          db: database.handle,
          platform,
          config: {
            auth: {
              jwtSecret: 'x'.repeat(48),
              accessTokenTtlSeconds: 900,
              refreshTokenTtlSeconds: 86_400,
            },
            mode: 'production',
            version: 'test',
          },
          log,
        });
        const { services } = modules;
        return { platform, services, modules };
      }),
    );
    try {
      const outcomes = await Promise.allSettled(
        instances.flatMap(({ services }) =>
          Array.from({ length: 4 }, () => services.auth.ensureAdmin(ADMIN)),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
      const rows = await adminRows(database);
      expect(rows).toEqual([{ id: expect.any(String), role: 'admin', active: true }]);
      const ids = outcomes.map((o) => (o.status === 'fulfilled' ? o.value.id : undefined));
      expect(new Set(ids)).toEqual(new Set([rows[0]?.id]));
      // One account, one registration event.
      const registered = await database.handle.db
        .selectFrom('outbox')
        .select('id')
        .where('topic', '=', 'user.registered')
        .execute();
      expect(registered).toHaveLength(1);
    } finally {
      await Promise.all(
        instances.map(async ({ platform, modules }) => {
          await modules.close();
          await platform.close();
        }),
      );
    }
  });

  it('starts two `pnpm start:api` at once on a fresh database: both ready, migrated once, one admin', async () => {
    const database = await createTestDatabase('startup_fresh', { migrate: false });
    databases.push(database);
    const prefix = `t:${randomUUID()}`;
    prefixes.push(prefix);
    const cluster = await startApiCluster({
      database: { url: database.url, db: database.handle.db },
      redisUrl: TEST_REDIS_URL,
      redisPrefix: prefix,
      logLevel: 'error',
      env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
    });
    try {
      expect(await adminRows(database)).toHaveLength(1);
      // Every migration is in (nothing left to apply), each recorded once (its name is the key).
      expect(await migrateToLatest(database.handle.db)).toEqual([]);
      // The admin signs in through either process.
      for (const api of cluster.apis) {
        const tokens = await createEventlyClient({ url: api.url }).auth.login.mutate(ADMIN);
        expect(tokens.accessToken).toEqual(expect.any(String));
      }
    } finally {
      await cluster.stop();
    }
  }, 180_000);
});
