import { randomUUID } from 'node:crypto';
import type { DbHandle } from '@evently/db';
import { createTestDatabase } from '@evently/db/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/kernel/app-error.js';
import type { UserPrincipal } from '../src/kernel/principal.js';
import type { Services } from '../src/services.js';
import { createMemoryDb, embeddedServices } from './embedded-server.js';

// API keys on both databases they run on. PGlite (embedded mode, `pnpm start`) answers bytea as
// a Uint8Array, Postgres through `pg` as a Buffer: a revocation must reach the cached state
// either way, so the very next call with the key is refused.

describe.each([
  ['embedded PGlite', async () => ({ handle: await createMemoryDb(), drop: async () => {} })],
  [
    'Postgres',
    async () => {
      const test = await createTestDatabase('api-keys-databases');
      return { handle: test.handle, drop: () => test.drop() };
    },
  ],
] as const)('API keys on %s', (_, open) => {
  let db: DbHandle;
  let drop: () => Promise<void>;
  let services: Services;
  const owner: UserPrincipal = {
    kind: 'user',
    userId: randomUUID(),
    role: 'admin',
    sessionId: 'session',
  };
  const organizationId = randomUUID();

  beforeAll(async () => {
    ({ handle: db, drop } = await open());
    services = await embeddedServices(db, 'test', pino({ level: 'silent' }));
    const at = new Date();
    await db.db
      .insertInto('users')
      .values({
        id: owner.userId,
        email: `${owner.userId}@example.com`,
        name: 'Owner',
        role: 'admin',
        password_hash: 'x',
        updated_at: at,
      })
      .execute();
    await db.db
      .insertInto('organizations')
      .values({ id: organizationId, name: 'Hall', slug: `h-${organizationId}`, updated_at: at })
      .execute();
  });
  afterAll(async () => drop?.());

  it('refuses a key at the first call after its revocation, its state having been cached', async () => {
    const { apiKey, secret } = await services.apiKeys.create(owner, {
      organizationId,
      name: 'Job',
      scopes: ['events:read'],
    });
    const principal = await services.apiKeys.authenticate(secret);
    expect(principal).toMatchObject({ kind: 'apiKey', apiKeyId: apiKey.id, organizationId });
    // Cached now: the second resolution is served from the cache.
    await services.apiKeys.authenticate(secret);
    await services.apiKeys.revoke(owner, apiKey.id);
    const refused = await services.apiKeys.authenticate(secret).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).appCode).toBe('API_KEY_REVOKED');
  });
});
