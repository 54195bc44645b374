import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { connectTestRedis, deleteKeysByPrefix, findFreePort } from '@evently/platform/testing';
import { createEventlyClient } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeTs, type Spawned, spawnWith, waitForHttp } from './processes.js';
import { TEST_TICKET_SIGNING_KEY } from './ticket-key.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('production layout: start:api + start:worker against Postgres and Redis', () => {
  let database: TestDatabase;
  const running: Spawned[] = [];
  const prefix = `t:${randomUUID()}`;
  const baseEnv = () => ({
    NODE_ENV: 'production',
    JWT_SECRET: 'x'.repeat(48),
    TICKET_SIGNING_KEY: TEST_TICKET_SIGNING_KEY,
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'info',
  });

  beforeAll(async () => {
    database = await createTestDatabase('production');
  });
  afterAll(async () => {
    for (const proc of running) proc.kill('SIGKILL');
    await database?.drop();
    const redis = await connectTestRedis();
    await deleteKeysByPrefix(redis, `${prefix}:`);
    redis.disconnect();
  });

  it('runs API and worker as two processes; /health/ready is 200; both stop cleanly', async () => {
    const port = await findFreePort();
    const env = baseEnv();
    // The README's commands, as an operator runs them.
    const admin = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'first admin password' };
    const api = spawnWith('pnpm', ['start:api'], { ...env, ...admin, PORT: String(port) });
    const worker = spawnWith('pnpm', ['start:worker'], env);
    running.push(api, worker);

    const ready = await waitForHttp(`http://127.0.0.1:${port}/health/ready`, api);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      checks: { database: 'ok', redis: 'ok', queue: 'ok' },
    });
    const info = (await (await fetch(`http://127.0.0.1:${port}/info`)).json()) as Record<
      string,
      unknown
    >;
    expect(info.mode).toBe('production');
    await expect
      .poll(() => worker.stdout(), { timeout: 30_000 })
      .toContain('Evently worker running');
    // The first admin was created from ADMIN_EMAIL/ADMIN_PASSWORD and can sign in at once.
    const tokens = await createEventlyClient({ url: `http://127.0.0.1:${port}` }).auth.login.mutate(
      {
        email: admin.ADMIN_EMAIL,
        password: admin.ADMIN_PASSWORD,
      },
    );
    expect(tokens.user).toMatchObject({ role: 'admin', emailVerified: true, active: true });

    api.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(await worker.exited).toBe(0);
  });

  it('reports 503 naming Redis when REDIS_URL points at a closed port', async () => {
    const port = await findFreePort();
    const closed = await findFreePort();
    const api = spawnWith(...nodeTs('apps/api/src/main.ts', '--role=api'), {
      ...baseEnv(),
      REDIS_URL: `redis://127.0.0.1:${closed}`,
      PORT: String(port),
    });
    running.push(api);
    const ready = await waitForHttp(`http://127.0.0.1:${port}/health/ready`, api);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { failing: string[]; checks: Record<string, string> };
    expect(body.failing).toContain('redis');
    expect(body.checks.database).toBe('ok');
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
  });

  it('refuses start:api and start:worker without DATABASE_URL and REDIS_URL', async () => {
    const api = spawnWith(...nodeTs('apps/api/src/main.ts', '--role=api'), {
      PORT: String(await findFreePort()),
    });
    const worker = spawnWith(...nodeTs('apps/worker/src/main.ts'), {});
    expect(await api.exited).toBe(1);
    expect(await worker.exited).toBe(1);
    expect(api.stderr()).toContain('DATABASE_URL and REDIS_URL');
    expect(worker.stderr()).toMatch(/DATABASE_URL.*REDIS_URL/);
  });
});
