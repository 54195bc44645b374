import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWith } from './processes.js';

describe('pnpm seed', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'evently-seed-'));
  });
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('creates demo events once, and never prints a password from the environment', async () => {
    const env = {
      EVENTLY_DATA_DIR: dataDir,
      ADMIN_EMAIL: 'boss@example.com',
      ADMIN_PASSWORD: 'from the environment',
    };
    const first = spawnWith('pnpm', ['seed'], env);
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toContain('Seeded 6 demo events');
    expect(first.stdout()).toContain('boss@example.com');
    expect(first.stdout()).not.toContain('from the environment');
    const second = spawnWith('pnpm', ['seed'], env);
    expect(await second.exited).toBe(0);
    expect(second.stdout()).toContain('already there');
  });
});
