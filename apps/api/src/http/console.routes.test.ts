import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerConsole } from './console.routes.js';

describe('the console at /console', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evently-console-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('serves the build: the page for every path under it, the hashed assets for good', async () => {
    const app = Fastify();
    await registerConsole(app, dir);
    const bare = await app.inject({ url: '/console' });
    expect(bare.statusCode).toBe(302);
    expect(bare.headers.location).toBe('/console/');
    for (const url of ['/console/', '/console/events/123/dashboard']) {
      const page = await app.inject({ url });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<div id="root">');
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    }
    const asset = await app.inject({ url: '/console/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe('console.log(1)');
    expect(asset.headers['cache-control']).toContain('immutable');
    // An asset the build lacks is missing, not the page.
    expect((await app.inject({ url: '/console/assets/missing.js' })).statusCode).toBe(404);
    await app.close();
  });

  it('says how to build it when there is no build', async () => {
    const app = Fastify();
    await registerConsole(app, join(dir, 'nothing-here'));
    const answer = await app.inject({ url: '/console/' });
    expect(answer.statusCode).toBe(404);
    expect(answer.body).toContain('pnpm --filter @evently/console build');
    await app.close();
  });
});
