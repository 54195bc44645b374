import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { personalOrganization } from '@evently/db/testing/personal-organization';
import {
  createRedisCache,
  createRedisRateLimits,
  type RedisClient,
  waitForRedis,
} from '@evently/platform';
import { connectTestRedis, type RedisServer, startRedisServer } from '@evently/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../../../test/capture-log.js';
import { AppError } from '../../kernel/app-error.js';
import { type ApiKeyAuthentication, createApiKeyAuthentication } from './api-key-authentication.js';
import { apiKeyPrefixOf, apiKeySecretHash, newApiKeySecret } from './api-key-secrets.js';
import { createApiKeyStates } from './api-key-states.js';

const PER_MINUTE = 3;
const UNCOUNTED = 'rate limits unreachable; API key requests go uncounted';

// Its own database and throwaway redis-server, which it kills and restarts empty: with Redis
// away a key is still checked against the database (a revoked one refused) and served uncounted
// with a throttled warning, never refused for the limiter's sake; back, the limit counts again.
describe('API keys when Redis dies', () => {
  let database: TestDatabase;
  let server: RedisServer;
  let redis: RedisClient;
  let keys: ApiKeyAuthentication;
  const captured = captureLog();
  let organizationId: string;
  const ownerId = randomUUID();
  const db = () => database.handle.db;

  /** A live key of the organization, made as the service makes one; its secret. */
  async function makeKey(): Promise<{ id: string; secret: string }> {
    const secret = newApiKeySecret();
    const id = randomUUID();
    await db()
      .insertInto('api_keys')
      .values({
        id,
        organization_id: organizationId,
        name: 'Till',
        scopes: ['bookings:write'],
        secret_hash: apiKeySecretHash(secret),
        prefix: apiKeyPrefixOf(secret),
        created_by: ownerId,
        created_at: new Date(),
      })
      .execute();
    return { id, secret };
  }

  /** 'ok' or the code a call with `secret` was refused with. */
  async function answer(secret: string): Promise<string> {
    try {
      await keys.authenticate(secret);
      return 'ok';
    } catch (error) {
      if (error instanceof AppError) return error.appCode;
      throw error;
    }
  }

  const answers = async (secret: string, calls: number) => {
    const said: string[] = [];
    for (let i = 0; i < calls; i += 1) said.push(await answer(secret));
    return said;
  };

  beforeAll(async () => {
    database = await createTestDatabase('api-keys-redis-down');
    server = await startRedisServer();
    redis = await connectTestRedis('command', server.url);
    const prefix = `k:${randomUUID()}:`;
    const cache = await createRedisCache(redis, { prefix });
    const rateLimits = await createRedisRateLimits(redis, { prefix });
    const states = createApiKeyStates({ db: db(), cache, log: captured.log });
    keys = createApiKeyAuthentication({
      db: db(),
      states,
      rateLimits,
      perMinute: PER_MINUTE,
      log: captured.log,
      now: () => new Date(),
    });
    await db()
      .insertInto('users')
      .values({
        id: ownerId,
        email: `${ownerId}@example.com`,
        name: 'Owner',
        role: 'user',
        password_hash: 'x',
        updated_at: new Date(),
      })
      .execute();
    organizationId = await personalOrganization(db(), ownerId);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.kill();
    await database?.drop();
  });

  it('serves keys uncounted while Redis is down, still refusing a revoked one; counts again once back', async () => {
    const counted = await makeKey();
    // Up: the limit counts.
    expect(await answers(counted.secret, PER_MINUTE + 1)).toEqual([
      ...Array(PER_MINUTE).fill('ok'),
      'RATE_LIMITED',
    ]);

    await server.kill();
    const integration = await makeKey();
    const revoked = await makeKey();
    await db()
      .updateTable('api_keys')
      .set({ revoked_at: new Date() })
      .where('id', '=', revoked.id)
      .execute();
    // Down: every call is served, past the limit, each key checked against the database.
    const calls = PER_MINUTE * 4;
    expect(await answers(integration.secret, calls)).toEqual(Array(calls).fill('ok'));
    expect(await answer(revoked.secret)).toBe('API_KEY_REVOKED');
    expect(await answer(newApiKeySecret())).toBe('UNAUTHENTICATED');
    // Said, but not once a call (the line repeats every 10 s at most, counting the rest).
    const uncounted = captured.lines().filter((line) => line.msg === UNCOUNTED);
    expect(uncounted.length).toBeGreaterThanOrEqual(1);
    expect(uncounted.length).toBeLessThan(calls);
    expect(captured.lines().filter((line) => Number(line.level) >= 50)).toEqual([]);
    // Neither a secret nor its hash is logged.
    const logged = JSON.stringify(captured.lines());
    for (const key of [counted, integration, revoked]) {
      expect(logged).not.toContain(key.secret);
      expect(logged).not.toContain(apiKeySecretHash(key.secret).toString('hex'));
    }

    // Back, empty: counting starts over and holds again.
    await server.restart();
    await waitForRedis(redis);
    expect(await answers(integration.secret, PER_MINUTE + 1)).toEqual([
      ...Array(PER_MINUTE).fill('ok'),
      'RATE_LIMITED',
    ]);
    expect(await answer(revoked.secret)).toBe('API_KEY_REVOKED');
  });
});
